"""Axes and sub-axes of a contract's action plan (a tree per contract)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy.exc import IntegrityError

from services.registry.api.plan.common import (
    authorise_write,
    conflict,
    contract_or_404,
    invalid,
    not_found,
    sessions,
)
from services.registry.domain.plan import Axis, InvalidPlan, check_axis_parent
from services.registry.store import plan as store
from shared.auth import authenticated, require_roles

blp = Blueprint("plan_axes", __name__, url_prefix="/api/v1",
                description="Axes and sub-axes of a contract's action plan.")


class AxisSchema(Schema):
    id = fields.UUID(dump_only=True)
    contract_id = fields.UUID(dump_only=True)
    parent_id = fields.UUID(allow_none=True, load_default=None,
                            metadata={"description": "The parent axis (none: a top axis)."})
    code = fields.String(required=True, validate=validate.Length(1, 30),
                         metadata={"example": "A2"})
    title = fields.String(required=True, validate=validate.Length(1, 300))
    position = fields.Integer(load_default=0, validate=validate.Range(0, 10_000))
    version = fields.Integer(dump_only=True)


class AxisPatchSchema(Schema):
    parent_id = fields.UUID(allow_none=True)
    code = fields.String(validate=validate.Length(1, 30))
    title = fields.String(validate=validate.Length(1, 300))
    position = fields.Integer(validate=validate.Range(0, 10_000))


class AxisNodeSchema(AxisSchema):
    children = fields.List(fields.Nested(lambda: AxisNodeSchema()), dump_only=True)


class AxisTreeSchema(Schema):
    items = fields.List(fields.Nested(AxisNodeSchema))


def _tree(axes: list[Axis]) -> list[dict]:
    nodes = {axis.id: {**axis.__dict__, "children": []} for axis in axes}
    roots = []
    for axis in axes:  # already ordered by position, code
        parent = nodes.get(axis.parent_id) if axis.parent_id else None
        (parent["children"] if parent else roots).append(nodes[axis.id])
    return roots


def _check(session, axis: Axis, *, except_id=None) -> None:
    if store.axis_code_taken(session, axis.contract_id, axis.code, except_id):
        raise invalid("code", "Ce code d'axe existe déjà dans ce contrat.")
    parent = store.get_axis(session, axis.parent_id) if axis.parent_id else None
    if axis.parent_id and parent is None:
        raise invalid("parent_id", "Axe parent introuvable.")
    try:
        check_axis_parent(axis, parent, store.parent_map(session, axis.contract_id))
    except InvalidPlan as exc:
        raise invalid(exc.field, str(exc)) from None


@blp.route("/contracts/<uuid:contract_id>/axes")
class ContractAxes(MethodView):
    @authenticated
    @blp.response(200, AxisTreeSchema)
    def get(self, contract_id):
        """The contract's axes as a tree (bounded by the plan, so not paginated)."""
        with sessions()() as session:
            contract_or_404(session, contract_id)
            return {"items": _tree(store.axes_of(session, contract_id))}

    @require_roles("admin", "coordinator")
    @blp.arguments(AxisSchema)
    @blp.response(201, AxisSchema)
    def post(self, body, contract_id):
        """Add an axis or a sub-axis (admin, or the contract's coordinator)."""
        try:
            with sessions().begin() as session:
                authorise_write(session, contract_id)
                try:
                    axis = Axis(contract_id=contract_id, **body)
                except InvalidPlan as exc:
                    raise invalid(exc.field, str(exc)) from None
                _check(session, axis)
                store.add_axis(session, axis)
        except IntegrityError:  # a concurrent insert of the same code
            raise invalid("code", "Ce code d'axe existe déjà dans ce contrat.") from None
        return axis


@blp.route("/axes/<uuid:axis_id>")
class AxisById(MethodView):
    @authenticated
    @blp.response(200, AxisSchema)
    def get(self, axis_id):
        with sessions()() as session:
            axis = store.get_axis(session, axis_id)
        if axis is None:
            raise not_found("Axe")
        return axis

    @require_roles("admin", "coordinator")
    @blp.arguments(AxisPatchSchema)
    @blp.response(200, AxisSchema)
    def patch(self, changes, axis_id):
        """Rename, recode, move or reorder an axis."""
        try:
            return self._patch(changes, axis_id)
        except IntegrityError:  # a concurrent change to the same code
            raise invalid("code", "Ce code d'axe existe déjà dans ce contrat.") from None

    def _patch(self, changes, axis_id):
        with sessions().begin() as session:
            current = store.get_axis(session, axis_id, for_update=True)
            if current is None:
                raise not_found("Axe")
            authorise_write(session, current.contract_id)
            try:
                updated = current.changed(**changes)
            except InvalidPlan as exc:
                raise invalid(exc.field, str(exc)) from None
            if updated is None:
                return current
            _check(session, updated, except_id=updated.id)
            store.save_axis(session, updated)
        return updated

    @require_roles("admin", "coordinator")
    @blp.response(204)
    def delete(self, axis_id):
        """Delete an empty axis (no sub-axis, fiche or lineage link)."""
        with sessions().begin() as session:
            current = store.get_axis(session, axis_id, for_update=True)
            if current is None:
                raise not_found("Axe")
            authorise_write(session, current.contract_id)
            if store.axis_in_use(session, axis_id):
                raise conflict("Cet axe contient des sous-axes, des fiches ou un lien de "
                               "filiation : déplacez-les ou supprimez-les d'abord.")
            store.delete_axis(session, axis_id)
