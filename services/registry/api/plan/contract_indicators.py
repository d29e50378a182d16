"""Every indicator of a contract's fiches in one answer, for the CLS steering page.

The page used to ask for each fiche's indicators in turn; this reads the contract's
fiches, their indicators and the values they show now in a few queries, with the
same computation as `GET /actions/<id>/indicators` (`store.current_values`).
Not paginated: a contract has a bounded plan (each fiche at most
MAX_INDICATORS_PER_ACTION indicators), like its coverage report.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from services.registry.api.plan.common import contract_or_404, sessions
from services.registry.api.plan.indicators import IndicatorSchema, with_current
from services.registry.store import indicators as store
from services.registry.store import plan as plan_store
from shared.auth import authenticated

blp = Blueprint("plan_contract_indicators", __name__, url_prefix="/api/v1",
                description="Every indicator of a contract's fiches actions.")


class ContractIndicatorSchema(IndicatorSchema):
    action_code = fields.String(dump_only=True, metadata={"example": "C2.5"})


class ContractIndicatorListSchema(Schema):
    items = fields.List(fields.Nested(ContractIndicatorSchema))


@blp.route("/contracts/<uuid:contract_id>/indicators")
class ContractIndicators(MethodView):
    @authenticated
    @blp.response(200, ContractIndicatorListSchema)
    def get(self, contract_id):
        """The indicators of every fiche of the contract, by fiche code then in the
        fiche's order, each with its fiche's id and code and its current value."""
        with sessions()() as session:
            contract_or_404(session, contract_id)
            actions = plan_store.all_actions(session, contract_id)
            by_action = store.of_actions(session, [a.id for a in actions])
            indicators = [i for a in actions for i in by_action[a.id]]
            codes = {a.id: a.code for a in actions}
            return {"items": [{**item, "action_code": codes[item["action_id"]]}
                              for item in with_current(session, indicators)]}
