"""A person's access request (RGPD art. 15): everything held about them, found by the
blind index of their identity. Admin only, audited; the identity travels in the body,
never in a URL."""

from __future__ import annotations

import flask
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from services.referrals.api import context as ctx
from services.referrals.api.schemas import BeneficiarySchema, ReferralSchema
from services.referrals.commands.retention import person_record
from services.referrals.domain.identity import Identity
from shared.auth import current_principal, require_roles

blp = Blueprint("access_requests", __name__, url_prefix="/api/v1/access-requests",
                description="One person's full record, for a data subject access request.")


class PersonSchema(BeneficiarySchema):
    class Meta:
        exclude = ("phone", "email")


class AccessRequestSchema(Schema):
    beneficiary = fields.Nested(PersonSchema, required=True)


class PersonRecordSchema(Schema):
    beneficiaries = fields.Integer()
    referrals = fields.List(fields.Nested(ReferralSchema))


@blp.route("")
class AccessRequests(MethodView):
    @require_roles("admin")
    @blp.arguments(AccessRequestSchema)
    @blp.response(200, PersonRecordSchema)
    def post(self, body):
        """Export one person's record (admin; the request is audited)."""
        identity = Identity(**body["beneficiary"])
        protection = ctx.protection()
        with ctx.sessions().begin() as session:
            return person_record(session, identity, protection.blind_index, protection.cipher,
                                 ctx.now(), requested_by=current_principal().member_id,
                                 request_id=flask.g.get("request_id"))
