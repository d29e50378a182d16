"""Counters of the triage queue: how many referrals wait, are urgent, overdue, given
to me, open. One SQL COUNT per figure over ids, statuses and dates: no identity is
read, so nothing is written to the identity-access audit."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import and_, case, func, select

from services.referrals.api import context as ctx
from services.referrals.api.schemas import CountersSchema
from services.referrals.domain.workflow import OPEN, REQUESTED
from services.referrals.store.referral_tables import referrals
from shared.auth import require_roles

blp = Blueprint("queue", __name__, url_prefix="/api/v1/referrals",
                description="Counters of the organisation's triage queue.")


def _count(condition):
    return func.count(case((condition, 1)))


@blp.route("/counters")
class Counters(MethodView):
    @require_roles("handler")
    @blp.response(200, CountersSchema)
    def get(self):
        """The caller's organisation's queue: new (requested), urgent (open and urgent),
        overdue (requested past the reminder delay, as `overdue` in the list),
        assigned_to_me (open), open."""
        who, now = ctx.actor(), ctx.now()
        c = referrals.c
        is_open = c.status.in_(OPEN)
        statement = select(
            _count(c.status == REQUESTED).label("new"),
            _count(and_(is_open, c.urgency == "urgent")).label("urgent"),
            _count(and_(c.status == REQUESTED, c.remind_at <= now)).label("overdue"),
            _count(and_(is_open, c.assignee_member_id == who.member_id))
            .label("assigned_to_me"),
            _count(is_open).label("open"),
        ).where(c.receiving_organisation_id == who.organisation_id)
        with ctx.sessions().begin() as session:
            row = session.execute(statement).one()
        return dict(row._mapping)
