"""Moving a referral: transitions (FHIR Task statuses), redirection, assignment.

Each needs `If-Match: W/"<version>"` (428 without, 412 when stale): two agents
cannot silently overwrite each other."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.referrals.api import context as ctx
from services.referrals.api.schemas import (
    AssignmentSchema,
    RedirectSchema,
    ReferralSchema,
    TransitionSchema,
)
from services.referrals.commands import handling
from services.referrals.domain.errors import InvalidReferral, StateConflict
from services.referrals.domain.workflow import HANDLER, TransitionRefused
from services.referrals.store import views
from services.referrals.store.referrals import StaleVersion
from shared.auth import require_roles
from shared.http.problems import ApiError

blp = Blueprint("workflow", __name__, url_prefix="/api/v1/referrals",
                description="Accept, refuse, handle, complete, cancel; redirect; assign.")

IF_MATCH = {"parameters": [{"in": "header", "name": "If-Match", "required": True,
                             "schema": {"type": "string", "example": 'W/"3"'}}]}


def change(referral_id, purpose: str, apply, *, handler_only: bool = False):
    """Load with access checks, check the version, apply, answer the new view."""
    protection, now = ctx.protection(), ctx.now()
    with ctx.sessions().begin() as session:
        referral, capacity = ctx.load(session, referral_id, purpose, for_update=True)
        if handler_only and capacity != HANDLER:
            raise ApiError(403, "forbidden", "Forbidden",
                           detail="Seule la structure destinataire peut faire cette action.")
        expected = ctx.expected_version()
        ctx.check_version(referral, expected)
        try:
            changed = apply(session, referral, capacity, expected, protection, now)
        except StaleVersion:
            raise ctx.stale() from None
        except (InvalidReferral, StateConflict, TransitionRefused) as exc:
            raise ctx.refusal(exc) from None
        view = views.detail(session, changed, capacity, protection.cipher, now)
        ctx.record(session, "update", purpose, [referral["id"]])
    return view, 200, ctx.etag(changed["version"])


@blp.route("/<uuid:referral_id>/transitions")
class Transitions(MethodView):
    @require_roles("referrer", "handler")
    @blp.arguments(TransitionSchema)
    @blp.response(200, ReferralSchema)
    @blp.doc(**IF_MATCH)
    def post(self, body, referral_id):
        """accept, reject (reason_code), start, hold, resume, complete (outcome_code),
        fail (reason_code): the receiving organisation; cancel: the sending one."""
        who = ctx.actor()

        def apply(session, referral, capacity, expected, protection, now):
            return handling.transition(
                session, referral, who, capacity, body["action"], expected, now, protection,
                reason_code=body["reason_code"], outcome_code=body["outcome_code"],
                text=body["text"], comment=body["comment"])

        return change(referral_id, f"transition_{body['action']}", apply)


@blp.route("/<uuid:referral_id>/redirection")
class Redirection(MethodView):
    @require_roles("handler")
    @blp.arguments(RedirectSchema)
    @blp.response(200, ReferralSchema)
    @blp.doc(**IF_MATCH)
    def post(self, body, referral_id):
        """Send a referral still awaiting an answer to another organisation, with a reason."""
        who = ctx.actor()

        def apply(session, referral, _capacity, expected, protection, now):
            return handling.redirect(session, referral, who, body["organisation_id"],
                                     body["reason"], expected, now, protection)

        return change(referral_id, "redirect", apply, handler_only=True)


@blp.route("/<uuid:referral_id>/assignment")
class Assignment(MethodView):
    @require_roles("handler")
    @blp.arguments(AssignmentSchema)
    @blp.response(200, ReferralSchema)
    @blp.doc(**IF_MATCH)
    def put(self, body, referral_id):
        """Give the referral to a handler of the organisation (null: nobody)."""
        who = ctx.actor()

        def apply(session, referral, _capacity, expected, _protection, now):
            return handling.assign(session, referral, who, body["assignee_member_id"],
                                   expected, now)

        return change(referral_id, "assign", apply, handler_only=True)
