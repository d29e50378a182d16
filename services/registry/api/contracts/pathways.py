"""Pathways of a contract: ordered steps, each with a need category and a receiving
organisation (see domain/pathways.py for how Sport sur Ordonnance is modelled).

Written by admins or the contract's coordinator; read by every signed-in member.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy.orm import Session

from services.registry.api.contracts.access import (
    WRITERS,
    contract_or_404,
    invalid,
    not_found,
    require_writer,
    sessions,
)
from services.registry.domain.contracts import Invalid
from services.registry.domain.pathways import Pathway, Step
from services.registry.store import pathways as store
from services.registry.store.references import reference_problems
from shared.auth import authenticated, require_roles

blp = Blueprint("pathways", __name__, url_prefix="/api/v1/contracts",
                description="Pathways: ordered steps, each handled by an organisation.")


class StepSchema(Schema):
    position = fields.Integer(required=True, validate=validate.Range(1, 50))
    name = fields.String(required=True, validate=validate.Length(1, 200))
    need_category = fields.String(required=True, validate=validate.Length(1, 50))
    organisation_id = fields.UUID(required=True)


class PathwayCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    active = fields.Boolean(load_default=True)
    steps = fields.List(fields.Nested(StepSchema), required=True,
                        validate=validate.Length(1, 50))


class PathwayPatchSchema(Schema):
    """Only the fields sent change; steps sent replace the steps as a whole."""

    name = fields.String(validate=validate.Length(1, 200))
    active = fields.Boolean()
    steps = fields.List(fields.Nested(StepSchema), validate=validate.Length(1, 50))


class PathwaySchema(PathwayCreateSchema):
    id = fields.UUID()
    contract_id = fields.UUID()
    version = fields.Integer()


class PathwayQuerySchema(Schema):
    active = fields.Boolean()
    after = fields.UUID(metadata={"description": "Cursor: the last id of the previous page."})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class PathwayPageSchema(Schema):
    items = fields.List(fields.Nested(PathwaySchema))
    next = fields.UUID(allow_none=True)


def _problems(session: Session, contract_id, body: dict, except_id=None) -> list:
    """A name unique within the contract; each step's category and organisation exist."""
    errors = []
    if "name" in body and store.name_taken(session, contract_id, body["name"], except_id):
        errors.append(("name", "Ce contrat a déjà un parcours de ce nom."))
    steps = body.get("steps", [])
    errors += reference_problems(
        session,
        organisations_by_field={f"steps.{i}.organisation_id": s["organisation_id"]
                                for i, s in enumerate(steps)},
        categories_by_field={f"steps.{i}.need_category": s["need_category"]
                             for i, s in enumerate(steps)})
    return errors


def _as_domain(body: dict) -> dict:
    body = dict(body)
    if "steps" in body:
        body["steps"] = tuple(Step(**s) for s in body["steps"])
    return body


@blp.route("/<uuid:contract_id>/pathways")
class Pathways(MethodView):
    @authenticated
    @blp.arguments(PathwayQuerySchema, location="query")
    @blp.response(200, PathwayPageSchema)
    def get(self, query, contract_id):
        """The contract's pathways (keyset pagination)."""
        with sessions()() as session:
            contract_or_404(session, contract_id)
            items = store.page(session, contract_id=contract_id, after=query.get("after"),
                               limit=query["limit"], active=query.get("active"))
        return {"items": items,
                "next": items[-1].id if len(items) == query["limit"] else None}

    @require_roles(*WRITERS)
    @blp.arguments(PathwayCreateSchema)
    @blp.response(201, PathwaySchema)
    def post(self, body, contract_id):
        """Add a pathway (admin, or the contract's coordinator)."""
        with sessions().begin() as session:
            require_writer(contract_or_404(session, contract_id, for_update=True))
            errors = _problems(session, contract_id, body)
            try:
                pathway = Pathway(contract_id=contract_id, **_as_domain(body))
            except Invalid as exc:
                errors += exc.errors
            if errors:
                raise invalid(errors)
            store.add(session, pathway)
        return pathway


@blp.route("/<uuid:contract_id>/pathways/<uuid:pathway_id>")
class PathwayById(MethodView):
    @authenticated
    @blp.response(200, PathwaySchema)
    def get(self, contract_id, pathway_id):
        with sessions()() as session:
            return _pathway_or_404(session, contract_id, pathway_id)

    @require_roles(*WRITERS)
    @blp.arguments(PathwayPatchSchema)
    @blp.response(200, PathwaySchema)
    def patch(self, body, contract_id, pathway_id):
        """Rename, (de)activate, or replace the steps as a whole."""
        with sessions().begin() as session:
            require_writer(contract_or_404(session, contract_id, for_update=True))
            current = _pathway_or_404(session, contract_id, pathway_id, for_update=True)
            errors = _problems(session, contract_id, body, except_id=pathway_id)
            try:
                updated = current.changed(**_as_domain(body))
            except Invalid as exc:
                errors += exc.errors
            if errors:
                raise invalid(errors)
            if updated is None:
                return current
            store.save(session, updated)
        return updated

    @require_roles(*WRITERS)
    @blp.response(204)
    def delete(self, contract_id, pathway_id):
        """Delete a pathway (admin, or the contract's coordinator)."""
        with sessions().begin() as session:
            require_writer(contract_or_404(session, contract_id, for_update=True))
            store.remove(session, _pathway_or_404(session, contract_id, pathway_id,
                                                  for_update=True))


def _pathway_or_404(session: Session, contract_id, pathway_id, *, for_update=False) -> Pathway:
    pathway = store.get(session, contract_id, pathway_id, for_update=for_update)
    if pathway is None:
        raise not_found("Parcours inconnu.")
    return pathway
