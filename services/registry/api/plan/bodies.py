"""Governance bodies of a contract (comité de pilotage, comité technique, groupes de
travail) and who sits in them."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, post_load, validate

from services.registry.api.plan.common import (
    PageQuerySchema,
    authorise_write,
    conflict,
    contract_or_404,
    decode_cursor,
    invalid,
    next_cursor,
    not_found,
    parse_uuid,
    sessions,
)
from services.registry.domain.governance import (
    BODY_KINDS,
    Body,
    BodyMember,
    InvalidGovernance,
)
from services.registry.store import governance as store
from services.registry.store.contract_refs import member_exists, organisation_exists
from shared.auth import authenticated, require_roles

blp = Blueprint("governance_bodies", __name__, url_prefix="/api/v1",
                description="Governance bodies of a contract and their members.")


class BodyMemberSchema(Schema):
    member_id = fields.UUID(allow_none=True, load_default=None)
    organisation_id = fields.UUID(allow_none=True, load_default=None)
    role = fields.String(required=True, validate=validate.Length(1, 100),
                         metadata={"example": "présidence"})

    @post_load
    def make(self, data, **_kwargs):
        try:
            return BodyMember(**data)
        except InvalidGovernance as exc:
            raise ValidationError(str(exc), exc.field) from None


class BodySchema(Schema):
    id = fields.UUID(dump_only=True)
    contract_id = fields.UUID(dump_only=True)
    kind = fields.String(required=True, validate=validate.OneOf(BODY_KINDS))
    name = fields.String(required=True, validate=validate.Length(1, 200))
    theme = fields.String(allow_none=True, load_default=None, validate=validate.Length(1, 200))
    members = fields.List(fields.Nested(BodyMemberSchema), load_default=(),
                          validate=validate.Length(max=200))
    version = fields.Integer(dump_only=True)


class BodyPatchSchema(Schema):
    kind = fields.String(validate=validate.OneOf(BODY_KINDS))
    name = fields.String(validate=validate.Length(1, 200))
    theme = fields.String(allow_none=True, validate=validate.Length(1, 200))
    members = fields.List(fields.Nested(BodyMemberSchema), validate=validate.Length(max=200))


class BodyQuerySchema(PageQuerySchema):
    kind = fields.String(validate=validate.OneOf(BODY_KINDS))


class BodyPageSchema(Schema):
    items = fields.List(fields.Nested(BodySchema))
    next = fields.String(allow_none=True)


def _domain(values: dict) -> dict:
    return {k: tuple(v) if k == "members" else v for k, v in values.items()}


def _check_seats(session, body: Body) -> None:
    for index, seat in enumerate(body.members):
        if seat.member_id and not member_exists(session, seat.member_id):
            raise invalid(f"members.{index}.member_id", "Membre inconnu.")
        if seat.organisation_id and not organisation_exists(session, seat.organisation_id):
            raise invalid(f"members.{index}.organisation_id", "Organisation inconnue.")


def body_or_404(session, body_id, *, for_update=False) -> Body:
    body = store.get_body(session, body_id, for_update=for_update)
    if body is None:
        raise not_found("Instance")
    return body


@blp.route("/contracts/<uuid:contract_id>/bodies")
class ContractBodies(MethodView):
    @authenticated
    @blp.arguments(BodyQuerySchema, location="query")
    @blp.response(200, BodyPageSchema)
    def get(self, query, contract_id):
        after = parse_uuid(decode_cursor(query["after"], 1)[0]) if "after" in query else None
        with sessions()() as session:
            contract_or_404(session, contract_id)
            items = store.page_bodies(session, contract_id, after=after, limit=query["limit"],
                                      kind=query.get("kind"))
        return {"items": items, "next": next_cursor(items, query["limit"], lambda b: [b.id])}

    @require_roles("admin", "coordinator")
    @blp.arguments(BodySchema)
    @blp.response(201, BodySchema)
    def post(self, body, contract_id):
        """Create a body (admin, or the contract's coordinator)."""
        with sessions().begin() as session:
            authorise_write(session, contract_id)
            try:
                created = Body(contract_id=contract_id, **_domain(body))
            except InvalidGovernance as exc:
                raise invalid(exc.field, str(exc)) from None
            _check_seats(session, created)
            store.add_body(session, created)
        return created


@blp.route("/bodies/<uuid:body_id>")
class BodyById(MethodView):
    @authenticated
    @blp.response(200, BodySchema)
    def get(self, body_id):
        with sessions()() as session:
            return body_or_404(session, body_id)

    @require_roles("admin", "coordinator")
    @blp.arguments(BodyPatchSchema)
    @blp.response(200, BodySchema)
    def patch(self, changes, body_id):
        """Rename a body or replace its members (meetings already scheduled keep the
        members they were announced to)."""
        with sessions().begin() as session:
            current = body_or_404(session, body_id, for_update=True)
            authorise_write(session, current.contract_id)
            try:
                updated = current.changed(**_domain(changes))
            except InvalidGovernance as exc:
                raise invalid(exc.field, str(exc)) from None
            if updated is None:
                return current
            _check_seats(session, updated)
            store.save_body(session, updated)
        return updated

    @require_roles("admin", "coordinator")
    @blp.response(204)
    def delete(self, body_id):
        """Delete a body that never met (its minutes are the contract's history)."""
        with sessions().begin() as session:
            current = body_or_404(session, body_id, for_update=True)
            authorise_write(session, current.contract_id)
            if store.body_has_meetings(session, body_id):
                raise conflict("Cette instance a des réunions : elle ne peut pas être "
                               "supprimée.")
            store.delete_body(session, body_id)
