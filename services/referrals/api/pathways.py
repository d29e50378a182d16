"""A pathway run's progress: visible to the referring organisation and to every
organisation of its steps (statuses and dates, no identity)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from services.referrals.api import context as ctx
from services.referrals.commands.pathways import progress
from shared.auth import require_roles

blp = Blueprint("pathway_runs", __name__, url_prefix="/api/v1/pathway-runs",
                description="Progress of a person's pathway, step by step.")


class StepProgressSchema(Schema):
    position = fields.Integer()
    name = fields.String()
    need_category = fields.String()
    organisation_id = fields.UUID()
    referral_id = fields.UUID(allow_none=True)
    status = fields.String()
    opened_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    outcome_code = fields.String(allow_none=True)


class PathwayRunSchema(Schema):
    id = fields.UUID()
    pathway_id = fields.UUID()
    name = fields.String()
    status = fields.String()
    current_position = fields.Integer()
    referrer_organisation_id = fields.UUID()
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    steps = fields.List(fields.Nested(StepProgressSchema))


@blp.route("/<uuid:run_id>")
class PathwayRun(MethodView):
    @require_roles("referrer", "handler")
    @blp.response(200, PathwayRunSchema)
    def get(self, run_id):
        who = ctx.actor()
        with ctx.sessions()() as session:
            run = progress(session, run_id)
        if run is None:
            raise ctx.not_found()
        step_organisations = {str(s["organisation_id"]) for s in run["steps"]}
        involved = ("referrer" in who.roles
                    and who.organisation_id == run["referrer_organisation_id"]) or \
                   ("handler" in who.roles and str(who.organisation_id) in step_organisations)
        if not involved:
            raise ctx.not_found()
        return run
