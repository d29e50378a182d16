"""Recording that the person withdrew their consent to share (CSP L1110-4).

Either side may record it: the referrer of the sending organisation, or a handler of
the receiving one to whom the person said so. What follows (domain/consent.py): an
open referral is cancelled with reason_code `consent_withdrawn` (event
`referrals.referral.cancelled`), its pathway stops, no new shared message is accepted,
the sending side no longer sees the identity or description; the receiving side keeps
them for the record until anonymisation, its reads audited as before. Needs
`If-Match` like the transitions (428 without, 412 when stale)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.referrals.api import context as ctx
from services.referrals.api.schemas import ReferralSchema, WithdrawalSchema
from services.referrals.api.workflow import IF_MATCH, change
from services.referrals.commands.consent import withdraw
from shared.auth import require_roles

blp = Blueprint("consent", __name__, url_prefix="/api/v1/referrals",
                description="The person's withdrawal of consent.")


@blp.route("/<uuid:referral_id>/consent-withdrawal")
class ConsentWithdrawal(MethodView):
    @require_roles("referrer", "handler")
    @blp.arguments(WithdrawalSchema)
    @blp.response(200, ReferralSchema)
    @blp.doc(**IF_MATCH)
    def post(self, body, referral_id):
        """Record the withdrawal; answers the referral as the caller now sees it."""
        who = ctx.actor()

        def apply(session, referral, _capacity, expected, protection, now):
            return withdraw(session, referral, who, body, expected, now, protection)

        return change(referral_id, "consent_withdrawal", apply)
