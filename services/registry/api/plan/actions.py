"""Fiches actions of a contract: CRUD, filters, keyset pagination; events through the outbox."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy.exc import IntegrityError

from services.registry.api.plan.common import (
    PageQuerySchema,
    authorise_write,
    conflict,
    contract_or_404,
    decode_cursor,
    invalid,
    next_cursor,
    not_found,
    sessions,
)
from services.registry.api.plan.fields import Number, PartySchema
from services.registry.domain.plan import (
    ACTION_STATUSES,
    BUDGET_PERIODS,
    PRIORITIES,
    Action,
    InvalidPlan,
    check_action_dates_in,
    check_parties,
    subtree,
)
from services.registry.store import plan as store
from services.registry.store.contract_refs import ContractRef, organisation_exists
from shared.auth import authenticated, require_roles

blp = Blueprint("plan_actions", __name__, url_prefix="/api/v1",
                description="Fiches actions of a contract's action plan.")

_FUNDER = fields.String(validate=validate.Length(1, 200))


class ActionSchema(Schema):
    id = fields.UUID(dump_only=True)
    contract_id = fields.UUID(dump_only=True)
    axis_id = fields.UUID(required=True)
    code = fields.String(required=True, validate=validate.Length(1, 30),
                         metadata={"example": "C2.5"})
    title = fields.String(required=True, validate=validate.Length(1, 300))
    objectives = fields.String(load_default="", validate=validate.Length(max=5000))
    target_public = fields.String(load_default="", validate=validate.Length(max=2000))
    pilots = fields.List(fields.Nested(PartySchema), load_default=(),
                         validate=validate.Length(max=50))
    carriers = fields.List(fields.Nested(PartySchema), load_default=(),
                           validate=validate.Length(max=50))
    status = fields.String(load_default="planned", validate=validate.OneOf(ACTION_STATUSES))
    priority = fields.String(allow_none=True, load_default=None,
                             validate=validate.OneOf(PRIORITIES))
    starts_on = fields.Date(allow_none=True, load_default=None)
    ends_on = fields.Date(allow_none=True, load_default=None)
    budget_amount = Number(allow_none=True, load_default=None,
                           metadata={"description": "Euros."})
    budget_period = fields.String(allow_none=True, load_default=None,
                                  validate=validate.OneOf(BUDGET_PERIODS))
    funders = fields.List(_FUNDER, load_default=(), validate=validate.Length(max=50))
    version = fields.Integer(dump_only=True)


class ActionPatchSchema(Schema):
    axis_id = fields.UUID()
    code = fields.String(validate=validate.Length(1, 30))
    title = fields.String(validate=validate.Length(1, 300))
    objectives = fields.String(validate=validate.Length(max=5000))
    target_public = fields.String(validate=validate.Length(max=2000))
    pilots = fields.List(fields.Nested(PartySchema), validate=validate.Length(max=50))
    carriers = fields.List(fields.Nested(PartySchema), validate=validate.Length(max=50))
    status = fields.String(validate=validate.OneOf(ACTION_STATUSES))
    priority = fields.String(allow_none=True, validate=validate.OneOf(PRIORITIES))
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    budget_amount = Number(allow_none=True)
    budget_period = fields.String(allow_none=True, validate=validate.OneOf(BUDGET_PERIODS))
    funders = fields.List(_FUNDER, validate=validate.Length(max=50))


class ActionQuerySchema(PageQuerySchema):
    axis_id = fields.UUID(metadata={"description": "The axis and its sub-axes."})
    status = fields.String(validate=validate.OneOf(ACTION_STATUSES))
    priority = fields.String(validate=validate.OneOf(PRIORITIES))


class ActionPageSchema(Schema):
    items = fields.List(fields.Nested(ActionSchema))
    next = fields.String(allow_none=True)


_TUPLES = ("pilots", "carriers", "funders")


def _as_domain(values: dict) -> dict:
    return {k: tuple(v) if k in _TUPLES else v for k, v in values.items()}


def _check(session, action: Action, contract: ContractRef, *, except_id=None) -> None:
    axis = store.get_axis(session, action.axis_id)
    if axis is None or axis.contract_id != action.contract_id:
        raise invalid("axis_id", "Axe introuvable dans ce contrat.")
    if store.action_code_taken(session, action.contract_id, action.code, except_id):
        raise invalid("code", "Ce code de fiche existe déjà dans ce contrat.")
    try:
        check_action_dates_in(action, (contract.starts_on, contract.ends_on))
        check_parties(action, lambda org_id: organisation_exists(session, org_id))
    except InvalidPlan as exc:
        raise invalid(exc.field, str(exc)) from None


@blp.route("/contracts/<uuid:contract_id>/actions")
class ContractActions(MethodView):
    @authenticated
    @blp.arguments(ActionQuerySchema, location="query")
    @blp.response(200, ActionPageSchema)
    def get(self, query, contract_id):
        """List the contract's fiches by code, filtered by axis (with its sub-axes),
        status or priority."""
        after = decode_cursor(query["after"], 1)[0] if "after" in query else None
        with sessions()() as session:
            contract_or_404(session, contract_id)
            axis_ids = None
            if "axis_id" in query:
                parents = store.parent_map(session, contract_id)
                if query["axis_id"] not in parents:
                    raise invalid("axis_id", "Axe introuvable dans ce contrat.", "query")
                axis_ids = subtree(query["axis_id"], parents)
            items = store.page_actions(session, contract_id, after=after, limit=query["limit"],
                                       axis_ids=axis_ids, status=query.get("status"),
                                       priority=query.get("priority"))
        return {"items": items, "next": next_cursor(items, query["limit"], lambda a: [a.code])}

    @require_roles("admin", "coordinator")
    @blp.arguments(ActionSchema)
    @blp.response(201, ActionSchema)
    def post(self, body, contract_id):
        """Add a fiche action (admin, or the contract's coordinator)."""
        try:
            with sessions().begin() as session:
                contract = authorise_write(session, contract_id)
                try:
                    action = Action(contract_id=contract_id, **_as_domain(body))
                except InvalidPlan as exc:
                    raise invalid(exc.field, str(exc)) from None
                _check(session, action, contract)
                store.add_action(session, action)
        except IntegrityError:
            raise invalid("code", "Ce code de fiche existe déjà dans ce contrat.") from None
        return action


@blp.route("/actions/<uuid:action_id>")
class ActionById(MethodView):
    @authenticated
    @blp.response(200, ActionSchema)
    def get(self, action_id):
        with sessions()() as session:
            action = store.get_action(session, action_id)
        if action is None:
            raise not_found("Fiche action")
        return action

    @require_roles("admin", "coordinator")
    @blp.arguments(ActionPatchSchema)
    @blp.response(200, ActionSchema)
    def patch(self, changes, action_id):
        """Change a fiche (status, dates, budget...): a new version and an event."""
        try:
            return self._patch(changes, action_id)
        except IntegrityError:  # a concurrent change to the same code
            raise invalid("code", "Ce code de fiche existe déjà dans ce contrat.") from None

    def _patch(self, changes, action_id):
        with sessions().begin() as session:
            current = store.get_action(session, action_id, for_update=True)
            if current is None:
                raise not_found("Fiche action")
            contract = authorise_write(session, current.contract_id)
            try:
                updated = current.changed(**_as_domain(changes))
            except InvalidPlan as exc:
                raise invalid(exc.field, str(exc)) from None
            if updated is None:
                return current
            _check(session, updated, contract, except_id=updated.id)
            store.save_action(session, updated)
        return updated

    @require_roles("admin", "coordinator")
    @blp.response(204)
    def delete(self, action_id):
        """Delete a fiche with its indicators; one mapped across generations is kept."""
        with sessions().begin() as session:
            current = store.get_action(session, action_id, for_update=True)
            if current is None:
                raise not_found("Fiche action")
            authorise_write(session, current.contract_id)
            if store.action_in_lineage(session, action_id):
                raise conflict("Cette fiche fait partie de la filiation entre générations : "
                               "retirez d'abord ses liens.")
            store.delete_action(session, current)
