"""CSV export of a contract's action plan, for the coordinator's spreadsheet.

French Excel opens it as is: UTF-8 with a BOM, `;` between cells, decimal
commas, dd/mm/yyyy dates, French headers and labels. Cells that a spreadsheet
would read as a formula are neutralised (CSV injection).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import flask
from flask.views import MethodView
from flask_smorest import Blueprint

from services.registry.api.plan.common import contract_or_404, sessions
from services.registry.domain.plan import (
    BUDGET_PERIOD_LABELS,
    PRIORITY_LABELS,
    STATUS_LABELS,
    Axis,
)
from services.registry.store import indicators as indicator_store
from services.registry.store import plan as store
from services.registry.store.contract_refs import organisation_names
from shared.auth import authenticated

blp = Blueprint("plan_export", __name__, url_prefix="/api/v1",
                description="Exports of a contract's action plan.")

HEADERS = ("Axe", "Sous-axe", "Code fiche", "Fiche action", "Objectifs", "Public cible",
           "Pilotes", "Porteurs", "Statut", "Priorité", "Date de début", "Date de fin",
           "Budget (€)", "Période du budget", "Financeurs", "Indicateurs")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str | None) -> str:
    text = text or ""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def french_number(value: Decimal | None) -> str:
    if value is None:
        return ""
    value = Decimal(value)
    text = str(int(value)) if value == value.to_integral_value() else f"{value:.2f}"
    return text.replace(".", ",")


def _day(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _axis_label(axis: Axis) -> str:
    return f"{axis.code} – {axis.title}"


def plan_rows(session, contract_id) -> list[list[str]]:
    """One row per fiche, in the order of the axis tree then by code."""
    axes = store.axes_of(session, contract_id)
    by_id = {axis.id: axis for axis in axes}
    order: dict = {}

    def visit(parent_id):
        for axis in axes:  # ordered by position, code
            if axis.parent_id == parent_id and axis.id not in order:
                order[axis.id] = len(order)
                visit(axis.id)

    visit(None)
    actions = sorted(store.all_actions(session, contract_id),
                     key=lambda a: (order.get(a.axis_id, len(order)), a.code))
    indicators = indicator_store.of_actions(session, [a.id for a in actions])
    current = indicator_store.current_values(
        session, [i for found in indicators.values() for i in found])
    names = organisation_names(session, {p.organisation_id for a in actions
                                         for p in (*a.pilots, *a.carriers)})

    def parties(found) -> str:
        return ", ".join(p.name or names.get(p.organisation_id, str(p.organisation_id))
                         for p in found)

    def indicator_text(indicator) -> str:
        value = current[indicator.id].value
        text = f"{indicator.name} : {french_number(value) or 'non mesuré'}"
        if indicator.unit:
            text += f" {indicator.unit}"
        if indicator.target is not None:
            text += f" (cible {french_number(indicator.target)})"
        return text

    rows = []
    for action in actions:
        path, axis = [], by_id.get(action.axis_id)
        while axis is not None and len(path) < 10:
            path.insert(0, axis)
            axis = by_id.get(axis.parent_id)
        rows.append([_cell(value) for value in (
            _axis_label(path[0]) if path else "",
            " > ".join(_axis_label(a) for a in path[1:]),
            action.code, action.title, action.objectives, action.target_public,
            parties(action.pilots), parties(action.carriers),
            STATUS_LABELS[action.status], PRIORITY_LABELS.get(action.priority, ""),
            _day(action.starts_on), _day(action.ends_on), french_number(action.budget_amount),
            BUDGET_PERIOD_LABELS.get(action.budget_period, ""), ", ".join(action.funders),
            " ; ".join(indicator_text(i) for i in indicators[action.id]),
        )])
    return rows


def render_csv(rows: list[list[str]]) -> bytes:
    """The CSV file's bytes: BOM, headers, `;`, CRLF (what French Excel opens as is)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


@blp.route("/contracts/<uuid:contract_id>/action-plan.csv")
class ActionPlanCsv(MethodView):
    @authenticated
    @blp.doc(responses={"200": {"description": "The action plan, one fiche per row "
                                               "(UTF-8 with BOM, `;` separated).",
                                "content": {"text/csv": {"schema": {"type": "string"}}}}})
    def get(self, contract_id):
        """Export the contract's action plan as CSV for French Excel."""
        with sessions()() as session:
            contract_or_404(session, contract_id)
            rows = plan_rows(session, contract_id)
        return flask.Response(render_csv(rows), content_type="text/csv; charset=utf-8",
                              headers={"Content-Disposition": "attachment; "
                                       f'filename="plan-d-actions-{contract_id}.csv"'})
