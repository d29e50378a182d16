"""Routing rules of a contract: (communes, need category) -> receiving organisation.

Written by admins or the contract's coordinator; read by every signed-in member.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy.orm import Session

from services.registry.api.contracts.access import (
    WRITERS,
    communes,
    contract_or_404,
    invalid,
    not_found,
    require_writer,
    sessions,
)
from services.registry.domain.contracts import Contract
from services.registry.domain.routing import RoutingRule
from services.registry.store import routing as store
from services.registry.store.references import reference_problems
from shared.auth import authenticated, require_roles

blp = Blueprint("routing_rules", __name__, url_prefix="/api/v1/contracts",
                description="Routing rules: where a need raised in a commune goes.")


class _RuleFields(Schema):
    communes = fields.List(fields.String(validate=validate.Length(1, 10)),
                           validate=validate.Length(max=2000),
                           metadata={"description": "INSEE codes within the contract's "
                                                    "territory; empty = the whole territory."})
    need_category = fields.String(validate=validate.Length(1, 50))
    organisation_id = fields.UUID(metadata={"description": "The receiving organisation."})
    precedence = fields.Integer(validate=validate.Range(-1000, 1000),
                                metadata={"description": "Higher wins."})
    active = fields.Boolean()


class RoutingRuleCreateSchema(_RuleFields):
    communes = fields.List(fields.String(validate=validate.Length(1, 10)), load_default=list,
                           validate=validate.Length(max=2000))
    need_category = fields.String(required=True, validate=validate.Length(1, 50))
    organisation_id = fields.UUID(required=True)
    precedence = fields.Integer(load_default=0, validate=validate.Range(-1000, 1000))
    active = fields.Boolean(load_default=True)


class RoutingRulePatchSchema(_RuleFields):
    """Only the fields sent change."""


class RoutingRuleSchema(_RuleFields):
    id = fields.UUID()
    contract_id = fields.UUID()
    version = fields.Integer()


class RoutingRuleQuerySchema(Schema):
    need_category = fields.String(validate=validate.Length(1, 50))
    active = fields.Boolean()
    after = fields.UUID(metadata={"description": "Cursor: the last id of the previous page."})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class RoutingRulePageSchema(Schema):
    items = fields.List(fields.Nested(RoutingRuleSchema))
    next = fields.UUID(allow_none=True)


def _problems(session: Session, contract: Contract, body: dict) -> list[tuple[str, str]]:
    """Communes inside the territory, the category and the receiving organisation exist
    (and the organisation is active): only what the body sent is checked."""
    errors = []
    territory = set(contract.communes)
    for i, code in enumerate(body.get("communes", [])):
        if not communes().exists(code):
            errors.append((f"communes.{i}", f"Code INSEE inconnu : {code}."))
        elif code not in territory:
            errors.append((f"communes.{i}",
                           f"La commune {code} n'est pas dans le territoire du contrat."))
    errors += reference_problems(
        session,
        organisations_by_field={"organisation_id": body["organisation_id"]}
        if "organisation_id" in body else {},
        categories_by_field={"need_category": body["need_category"]}
        if "need_category" in body else {})
    return errors


@blp.route("/<uuid:contract_id>/routing-rules")
class RoutingRules(MethodView):
    @authenticated
    @blp.arguments(RoutingRuleQuerySchema, location="query")
    @blp.response(200, RoutingRulePageSchema)
    def get(self, query, contract_id):
        """The contract's rules (keyset pagination), by category or active flag."""
        with sessions()() as session:
            contract_or_404(session, contract_id)
            items = store.page(session, contract_id=contract_id, after=query.get("after"),
                               limit=query["limit"], need_category=query.get("need_category"),
                               active=query.get("active"))
        return {"items": items,
                "next": items[-1].id if len(items) == query["limit"] else None}

    @require_roles(*WRITERS)
    @blp.arguments(RoutingRuleCreateSchema)
    @blp.response(201, RoutingRuleSchema)
    def post(self, body, contract_id):
        """Add a rule (admin, or the contract's coordinator)."""
        with sessions().begin() as session:
            contract = contract_or_404(session, contract_id, for_update=True)
            require_writer(contract)
            errors = _problems(session, contract, body)
            if errors:
                raise invalid(errors)
            rule = RoutingRule(contract_id=contract_id, **body)
            store.add(session, rule)
        return rule


@blp.route("/<uuid:contract_id>/routing-rules/<uuid:rule_id>")
class RoutingRuleById(MethodView):
    @authenticated
    @blp.response(200, RoutingRuleSchema)
    def get(self, contract_id, rule_id):
        with sessions()() as session:
            return _rule_or_404(session, contract_id, rule_id)

    @require_roles(*WRITERS)
    @blp.arguments(RoutingRulePatchSchema)
    @blp.response(200, RoutingRuleSchema)
    def patch(self, body, contract_id, rule_id):
        """Change a rule (admin, or the contract's coordinator): only the fields sent."""
        with sessions().begin() as session:
            contract = contract_or_404(session, contract_id, for_update=True)
            require_writer(contract)
            current = _rule_or_404(session, contract_id, rule_id, for_update=True)
            errors = _problems(session, contract, body)
            if errors:
                raise invalid(errors)
            updated = current.changed(**body)
            if updated is None:
                return current
            store.save(session, updated)
        return updated

    @require_roles(*WRITERS)
    @blp.response(204)
    def delete(self, contract_id, rule_id):
        """Delete a rule (admin, or the contract's coordinator): its needs go to the
        next matching rule or to the fallback."""
        with sessions().begin() as session:
            contract = contract_or_404(session, contract_id, for_update=True)
            require_writer(contract)
            store.remove(session, _rule_or_404(session, contract_id, rule_id, for_update=True))


def _rule_or_404(session: Session, contract_id, rule_id, *, for_update=False) -> RoutingRule:
    rule = store.get(session, contract_id, rule_id, for_update=for_update)
    if rule is None:
        raise not_found("Règle d'orientation inconnue.")
    return rule
