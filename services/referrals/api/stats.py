"""Statistics for the CLS: aggregates only, never an identity. A coordinator sees the
contracts they coordinate; an admin every contract."""

from __future__ import annotations

import uuid
from datetime import UTC

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import String, cast, func, select

from services.referrals.api import context as ctx
from services.referrals.domain.statistics import GROUPS, aggregate
from services.referrals.store.referral_tables import beneficiaries, referrals
from services.referrals.store.tables import contract_directory
from shared.auth import current_principal, require_roles
from shared.http.problems import ApiError

blp = Blueprint("stats", __name__, url_prefix="/api/v1/stats",
                description="Aggregated indicators for the CLS (no personal data).")


class StatsQuerySchema(Schema):
    group_by = fields.List(fields.String(validate=validate.OneOf(GROUPS)),
                           load_default=lambda: ["status"], validate=validate.Length(1, 4))
    contract_id = fields.UUID()
    action_id = fields.UUID()
    need_category = fields.String()
    commune = fields.String()
    submitted_from = fields.AwareDateTime(default_timezone=UTC)
    submitted_to = fields.AwareDateTime(default_timezone=UTC)


class StatsSchema(Schema):
    group_by = fields.List(fields.String())
    rows = fields.List(fields.Dict())


@blp.route("")
class Stats(MethodView):
    @require_roles("coordinator", "admin")
    @blp.arguments(StatsQuerySchema, location="query")
    @blp.response(200, StatsSchema)
    def get(self, query):
        """Counts per status, distinct beneficiaries and referrers, acceptance rate,
        median days to first answer and to completion, grouped as asked."""
        principal = current_principal()
        c = referrals.c
        statement = select(
            c.status, c.need_category, c.commune, c.contract_id, c.action_id, c.urgency,
            c.receiving_organisation_id, c.referrer_organisation_id, c.referrer_member_id,
            c.submitted_at, c.first_answer_at, c.closed_at,
            func.coalesce(beneficiaries.c.blind_index, cast(c.beneficiary_id, String))
            .label("person"),
        ).join(beneficiaries, beneficiaries.c.id == c.beneficiary_id)
        for name in ("contract_id", "action_id", "need_category", "commune"):
            if query.get(name):
                statement = statement.where(c[name] == query[name])
        if query.get("submitted_from"):
            statement = statement.where(c.submitted_at >= query["submitted_from"])
        if query.get("submitted_to"):
            statement = statement.where(c.submitted_at < query["submitted_to"])
        with ctx.sessions()() as session:
            if "admin" not in principal.roles:
                mine = select(contract_directory.c.id).where(
                    contract_directory.c.coordinator_member_id == _uuid(principal.member_id))
                if query.get("contract_id") and query["contract_id"] not in \
                        set(session.execute(mine).scalars()):
                    raise ApiError(403, "forbidden", "Forbidden",
                                   detail="Vous ne coordonnez pas ce contrat.")
                statement = statement.where(c.contract_id.in_(mine))
            rows = [dict(r._mapping) for r in session.execute(statement)]
        for row in rows:
            row["period"] = row["submitted_at"].strftime("%Y-%m")
        group_by = tuple(dict.fromkeys(query["group_by"]))
        return {"group_by": list(group_by), "rows": aggregate(rows, group_by)}


def _uuid(value):
    try:
        return uuid.UUID(value)
    except (TypeError, ValueError):
        return None
