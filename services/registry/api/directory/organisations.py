"""Organisations of the partners directory."""

from __future__ import annotations

import flask
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.registry.domain.organisations import InvalidOrganisation, Organisation
from services.registry.store import organisations as store
from shared.auth import authenticated, require_roles
from shared.events.registry import ORGANISATION_KINDS
from shared.http.problems import ApiError

blp = Blueprint("organisations", __name__, url_prefix="/api/v1/organisations",
                description="Organisations: CCAS, CPTS, MSP, partners.")


class OrganisationSchema(Schema):
    id = fields.UUID(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    kind = fields.String(required=True, validate=validate.OneOf(ORGANISATION_KINDS))
    active = fields.Boolean(load_default=True)
    version = fields.Integer(dump_only=True)


class OrganisationPatchSchema(Schema):
    name = fields.String(validate=validate.Length(1, 200))
    kind = fields.String(validate=validate.OneOf(ORGANISATION_KINDS))
    active = fields.Boolean()


class OrganisationQuerySchema(Schema):
    kind = fields.String(validate=validate.OneOf(ORGANISATION_KINDS))
    after = fields.UUID(metadata={"description": "Cursor: the last id of the previous page."})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class OrganisationPageSchema(Schema):
    items = fields.List(fields.Nested(OrganisationSchema))
    next = fields.UUID(allow_none=True)


def _sessions():
    return flask.current_app.extensions["relais.sessions"]


def _invalid(exc: InvalidOrganisation) -> ApiError:
    return ApiError(422, "validation_failed", "Validation failed",
                    errors=[{"location": "json", "field": exc.field, "message": str(exc)}])


@blp.route("")
class Organisations(MethodView):
    @authenticated
    @blp.arguments(OrganisationQuerySchema, location="query")
    @blp.response(200, OrganisationPageSchema)
    def get(self, query):
        """List organisations (keyset pagination)."""
        with _sessions()() as session:
            items = store.page(session, after=query.get("after"), limit=query["limit"],
                               kind=query.get("kind"))
        next_cursor = items[-1].id if len(items) == query["limit"] else None
        return {"items": items, "next": next_cursor}

    @require_roles("admin")
    @blp.arguments(OrganisationSchema)
    @blp.response(201, OrganisationSchema)
    def post(self, body):
        """Register an organisation (admin)."""
        try:
            organisation = Organisation(**body)
        except InvalidOrganisation as exc:
            raise _invalid(exc) from None
        with _sessions().begin() as session:
            store.add(session, organisation)
        return organisation


@blp.route("/<uuid:organisation_id>")
class OrganisationById(MethodView):
    @authenticated
    @blp.response(200, OrganisationSchema)
    def get(self, organisation_id):
        with _sessions()() as session:
            organisation = store.get(session, organisation_id)
        if organisation is None:
            raise ApiError(404, "not_found", "Not found", detail="No such organisation.")
        return organisation

    @require_roles("admin")
    @blp.arguments(OrganisationPatchSchema)
    @blp.response(200, OrganisationSchema)
    def patch(self, changes, organisation_id):
        """Change an organisation (admin); read models follow through its events."""
        with _sessions().begin() as session:
            current = store.get(session, organisation_id, for_update=True)
            if current is None:
                raise ApiError(404, "not_found", "Not found", detail="No such organisation.")
            try:
                updated = current.changed(**changes)
            except InvalidOrganisation as exc:
                raise _invalid(exc) from None
            if updated is None:
                return current
            store.save(session, updated)
        return updated
