"""Organisations of the partners directory.

`DELETE` deactivates: the organisation stays (referrals and contracts keep
naming it) and read models learn it from a `registry.organisation.updated`
event with `active: false`, like any other change.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.registry.api.directory.common import invalid, not_found, sessions
from services.registry.domain.organisations import (
    MAX_COMMUNES,
    InvalidOrganisation,
    Organisation,
    unknown_references,
)
from services.registry.store import need_categories as category_store
from services.registry.store import organisations as store
from shared.auth import authenticated, require_roles
from shared.communes import referential
from shared.events.registry import CATEGORY_CODE, INSEE_CODE, ORGANISATION_KINDS

blp = Blueprint("organisations", __name__, url_prefix="/api/v1/organisations",
                description="Organisations: CCAS, CPTS, MSP, partners.")


class OrganisationSchema(Schema):
    id = fields.UUID(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    kind = fields.String(required=True, validate=validate.OneOf(ORGANISATION_KINDS))
    active = fields.Boolean(load_default=True)
    communes = fields.List(fields.String(validate=INSEE_CODE), load_default=list,
                           validate=validate.Length(max=MAX_COMMUNES),
                           metadata={"description": "INSEE codes of the communes it serves."})
    need_categories = fields.List(fields.String(validate=CATEGORY_CODE), load_default=list,
                                  validate=validate.Length(max=100),
                                  metadata={"description": "Codes of the needs it handles."})
    phone = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=30),
                          metadata={"description": "The structure's switchboard, not a person's."})
    email = fields.Email(allow_none=True, load_default=None, validate=validate.Length(max=254),
                         metadata={"description": "The structure's generic address."})
    version = fields.Integer(dump_only=True)


class OrganisationPatchSchema(Schema):
    name = fields.String(validate=validate.Length(1, 200))
    kind = fields.String(validate=validate.OneOf(ORGANISATION_KINDS))
    active = fields.Boolean()
    communes = fields.List(fields.String(validate=INSEE_CODE),
                           validate=validate.Length(max=MAX_COMMUNES))
    need_categories = fields.List(fields.String(validate=CATEGORY_CODE),
                                  validate=validate.Length(max=100))
    phone = fields.String(allow_none=True, validate=validate.Length(max=30))
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))


class OrganisationQuerySchema(Schema):
    kind = fields.String(validate=validate.OneOf(ORGANISATION_KINDS))
    commune = fields.String(validate=INSEE_CODE, metadata={"description": "Serves this commune."})
    need_category = fields.String(validate=CATEGORY_CODE,
                                  metadata={"description": "Handles this need category."})
    active = fields.Boolean()
    after = fields.UUID(metadata={"description": "Cursor: the last id of the previous page."})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class OrganisationPageSchema(Schema):
    items = fields.List(fields.Nested(OrganisationSchema))
    next = fields.UUID(allow_none=True)


def _check_references(session, body: dict) -> None:
    errors = unknown_references(
        body.get("communes", ()), body.get("need_categories", ()),
        commune_exists=referential().exists,
        category_exists=lambda code: category_store.need_category_exists(session, code))
    if errors:
        raise invalid(*errors)


def _build(factory, **values):
    try:
        return factory(**values)
    except InvalidOrganisation as exc:
        raise invalid((exc.field, str(exc))) from None


@blp.route("")
class Organisations(MethodView):
    @authenticated
    @blp.arguments(OrganisationQuerySchema, location="query")
    @blp.response(200, OrganisationPageSchema)
    def get(self, query):
        """List organisations (keyset pagination), filtered by kind, commune, category, state."""
        limit = query.pop("limit")
        with sessions()() as session:
            items = store.page(session, limit=limit, **{"after": None, **query})
        return {"items": items, "next": items[-1].id if len(items) == limit else None}

    @require_roles("admin")
    @blp.arguments(OrganisationSchema)
    @blp.response(201, OrganisationSchema)
    def post(self, body):
        """Register an organisation (admin)."""
        body["communes"] = tuple(body["communes"])
        body["need_categories"] = tuple(body["need_categories"])
        organisation = _build(Organisation, **body)
        with sessions().begin() as session:
            _check_references(session, body)
            store.add(session, organisation)
        return organisation


@blp.route("/<uuid:organisation_id>")
class OrganisationById(MethodView):
    @authenticated
    @blp.response(200, OrganisationSchema)
    def get(self, organisation_id):
        with sessions()() as session:
            organisation = store.get(session, organisation_id)
        if organisation is None:
            raise not_found("Organisme introuvable.")
        return organisation

    @require_roles("admin")
    @blp.arguments(OrganisationPatchSchema)
    @blp.response(200, OrganisationSchema)
    def patch(self, changes, organisation_id):
        """Change an organisation (admin); read models follow through its events."""
        for name in ("communes", "need_categories"):
            if name in changes:
                changes[name] = tuple(changes[name])
        with sessions().begin() as session:
            current = store.get(session, organisation_id, for_update=True)
            if current is None:
                raise not_found("Organisme introuvable.")
            _check_references(session, changes)
            updated = _build(current.changed, **changes)
            if updated is None:
                return current
            store.save(session, updated)
        return updated

    @require_roles("admin")
    @blp.response(200, OrganisationSchema)
    def delete(self, organisation_id):
        """Deactivate (admin): kept for history, announced as `updated` with active=false."""
        with sessions().begin() as session:
            current = store.get(session, organisation_id, for_update=True)
            if current is None:
                raise not_found("Organisme introuvable.")
            updated = current.deactivated()
            if updated is None:
                return current
            store.save(session, updated)
        return updated
