"""The coverage report of a contract: every (commune, need category) pair and where
it goes, by a rule or by the fallback. Pairs left to the fallback are flagged as
gaps: the coordinator sees at once which needs no partner has taken on."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.registry.api.contracts.access import communes, contract_or_404, sessions
from services.registry.domain.routing import coverage
from services.registry.store import routing as routing_store
from services.registry.store.references import known_need_categories
from shared.auth import authenticated

blp = Blueprint("coverage", __name__, url_prefix="/api/v1/contracts",
                description="Where every need of a contract's territory goes.")


class CoverageQuerySchema(Schema):
    commune = fields.String(validate=validate.Length(1, 10))
    need_category = fields.String(validate=validate.Length(1, 50))
    gaps_only = fields.Boolean(load_default=False)


class CoverageEntrySchema(Schema):
    commune = fields.String()
    commune_name = fields.String()
    need_category = fields.String()
    organisation_id = fields.UUID(allow_none=True)
    by = fields.String(metadata={"description": "rule, fallback or none (no destination yet)"})
    rule_id = fields.UUID(allow_none=True)
    gap = fields.Boolean(metadata={"description": "True when no rule covers the pair."})


class CoverageSchema(Schema):
    contract_id = fields.UUID()
    fallback_organisation_id = fields.UUID(allow_none=True)
    pairs = fields.Integer(metadata={"description": "(commune, category) pairs in the contract."})
    gaps = fields.Integer(metadata={"description": "Pairs no rule covers."})
    entries = fields.List(fields.Nested(CoverageEntrySchema))


@blp.route("/<uuid:contract_id>/coverage")
class Coverage(MethodView):
    @authenticated
    @blp.arguments(CoverageQuerySchema, location="query")
    @blp.response(200, CoverageSchema)
    def get(self, query, contract_id):
        """Every (commune, active need category) pair of the contract and its destination;
        `pairs` and `gaps` count the whole contract whatever the filters."""
        with sessions()() as session:
            contract = contract_or_404(session, contract_id)
            rules = routing_store.rules_of(session, contract_id)
            categories = known_need_categories(session, active_only=True)
        entries = coverage(rules, territory=contract.communes, need_categories=categories,
                           fallback_organisation_id=contract.fallback_organisation_id)
        shown = [e for e in entries
                 if (not query["gaps_only"] or e.gap)
                 and query.get("commune") in (None, e.commune)
                 and query.get("need_category") in (None, e.need_category)]
        referential = communes()
        return {
            "contract_id": contract.id,
            "fallback_organisation_id": contract.fallback_organisation_id,
            "pairs": len(entries), "gaps": sum(e.gap for e in entries),
            "entries": [{"commune": e.commune, "commune_name": _name(referential, e.commune),
                         "need_category": e.need_category,
                         "organisation_id": e.destination.organisation_id,
                         "by": e.destination.by, "rule_id": e.destination.rule_id,
                         "gap": e.gap} for e in shown],
        }


def _name(referential, code: str) -> str:
    commune = referential.get(code)
    return commune.name if commune else code
