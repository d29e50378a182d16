"""The coded lists a client needs to build its forms, with their French labels."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from services.referrals.domain import codes
from services.referrals.domain.workflow import MOVES
from shared.auth import authenticated

blp = Blueprint("referral_codes", __name__, url_prefix="/api/v1/referral-codes",
                description="Reasons, outcomes, consent scopes and the workflow.")


class CodesSchema(Schema):
    rejection_reasons = fields.Dict()
    failure_reasons = fields.Dict()
    outcomes = fields.Dict()
    consent_methods = fields.List(fields.String())
    consent_scopes = fields.Dict()
    transitions = fields.List(fields.Dict())


@blp.route("")
class Codes(MethodView):
    @authenticated
    @blp.response(200, CodesSchema)
    def get(self):
        return {"rejection_reasons": codes.REJECTION_REASONS,
                "failure_reasons": codes.FAILURE_REASONS, "outcomes": codes.OUTCOMES,
                "consent_methods": list(codes.CONSENT_METHODS),
                "consent_scopes": codes.CONSENT_SCOPES,
                "transitions": [{"from": source, "action": move.action, "to": move.to,
                                 "by": move.by} for (source, _), move in MOVES.items()]}
