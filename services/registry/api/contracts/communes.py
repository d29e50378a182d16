"""The communes referential, read-only: search, one commune, one intercommunality.

Answers are small on purpose (a search returns at most 50 communes with a few
fields each): clients use it for autocompletion and to check a code.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.registry.api.contracts.access import communes, not_found
from shared.auth import authenticated

blp = Blueprint("communes", __name__, url_prefix="/api/v1",
                description="The communes and intercommunalities of France (Etalab).")


class EpciRefSchema(Schema):
    code = fields.String()
    name = fields.String()


class CommuneSchema(Schema):
    code = fields.String(metadata={"description": "INSEE code"})
    name = fields.String()
    department = fields.String(allow_none=True)
    postcodes = fields.List(fields.String())
    population = fields.Integer(allow_none=True)
    epci = fields.Nested(EpciRefSchema, allow_none=True)
    former_name = fields.String(metadata={
        "description": "The name searched for, when it is a former commune now part of this one."})


class CommuneSearchSchema(Schema):
    q = fields.String(required=True, validate=validate.Length(1, 100),
                      metadata={"description": "A name (accents, hyphens ignored) or a postcode."})
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 50))


class CommuneListSchema(Schema):
    items = fields.List(fields.Nested(CommuneSchema))


class EpciMemberSchema(Schema):
    code = fields.String()
    name = fields.String()


class EpciSchema(Schema):
    code = fields.String(metadata={"description": "SIREN of the EPCI"})
    name = fields.String()
    kind = fields.String(metadata={"description": "CC, CA, CU or METRO"})
    communes = fields.List(fields.Nested(EpciMemberSchema))


def _commune(commune) -> dict:
    referential = communes()
    epci = referential.epcis.get(referential.epci_of.get(commune.code, ""))
    return {"code": commune.code, "name": commune.name,
            "department": commune.department, "postcodes": list(commune.postcodes),
            "population": commune.population,
            "epci": {"code": epci.code, "name": epci.name} if epci else None}


def _search(q: str, limit: int) -> list[dict]:
    """Matches as current communes: a former commune (déléguée, associée) answers as
    the commune it belongs to now, naming itself in `former_name`; one item per code."""
    referential, found = communes(), {}
    for match in referential.search(q, limit):
        current = referential.get(match.current_code)
        if current is None or current.code in found:
            continue
        item = _commune(current)
        if match.name != current.name:
            item["former_name"] = match.name
        found[current.code] = item
    return list(found.values())


@blp.route("/communes")
class Communes(MethodView):
    @authenticated
    @blp.arguments(CommuneSearchSchema, location="query")
    @blp.response(200, CommuneListSchema)
    def get(self, query):
        """Search communes by name or postcode; a former commune answers with the
        code of the commune it now belongs to."""
        return {"items": _search(query["q"], query["limit"])}


@blp.route("/communes/<string:code>")
class CommuneByCode(MethodView):
    @authenticated
    @blp.response(200, CommuneSchema)
    def get(self, code):
        commune = communes().get(code)
        if commune is None:
            raise not_found("Code INSEE inconnu.")
        return _commune(commune)


@blp.route("/epcis/<string:code>")
class EpciByCode(MethodView):
    @authenticated
    @blp.response(200, EpciSchema)
    def get(self, code):
        """An intercommunality and its member communes."""
        referential = communes()
        epci = referential.epcis.get(code)
        if epci is None:
            raise not_found("Intercommunalité (EPCI) inconnue.")
        members = [referential.get(m) for m in epci.members]
        return {"code": epci.code, "name": epci.name, "kind": epci.kind,
                "communes": [{"code": m.code, "name": m.name} for m in members if m]}
