"""For a coordinator: the CLS page (plan, indicators, governance, coverage, statistics).

Aggregates only: no page here ever shows a person's identity.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import flask

from services.portal import auth, vocabulary
from services.portal.charts import bar_chart
from services.portal.clients.base import ApiProblem, NotAuthenticated, ServiceUnavailable
from services.portal.upstream import commune_name
from services.portal.views.common import clients, load_optional

blp = flask.Blueprint("coordinator", __name__, url_prefix="/cls")
# Grouping offered on the page -> the referrals API's group (axis: summed from fiches).
STAT_GROUPS = {"axis": "axe", "action_id": "fiche action", "commune": "commune",
               "need_category": "besoin", "period": "mois"}
BODY_KINDS = {"steering_committee": "Comité de pilotage",
              "technical_committee": "Comité technique", "working_group": "Groupe de travail"}


@blp.route("")
@auth.login_required("coordinator", "admin")
def contracts():
    items = clients().registry().contracts()
    if len(items) == 1:
        return flask.redirect(flask.url_for("coordinator.contract", contract_id=items[0]["id"]))
    return flask.render_template("coordinator/contracts.html", contracts=items)


def _upcoming(meetings: list[dict]) -> list[dict]:
    now = datetime.now(UTC).isoformat()
    return sorted((m for m in meetings if str(m.get("starts_at", "")) >= now
                   and m.get("status") != "cancelled"), key=lambda m: str(m["starts_at"]))


def coverage_grid(coverage: dict) -> dict:
    """Rows per commune, one cell per need category; a gap is a pair no rule covers."""
    entries = coverage.get("entries", []) if isinstance(coverage, dict) else []
    categories = sorted({e.get("need_category") for e in entries if e.get("need_category")})
    rows: dict[str, dict] = {}
    for entry in entries:
        destination = entry.get("organisation_id")
        rows.setdefault(entry.get("commune"), {})[entry.get("need_category")] = {
            "organisation_id": str(destination) if destination else None,
            "gap": bool(entry.get("gap")) or entry.get("by") in ("fallback", "none"),
        }
    gaps = sum(1 for cells in rows.values() for c in categories
               if (cells.get(c) or {"gap": True})["gap"])
    return {"categories": categories, "rows": sorted(rows.items()), "gaps": gaps}


def _indicators(contract_id: str, actions: list[dict]) -> list[dict]:
    """Every fiche's indicators in one call; from a registry that does not have the
    contract-wide list yet (404), one call per fiche."""
    try:
        return clients().registry().contract_indicators(contract_id)
    except ApiProblem as exc:
        if exc.status != 404:
            raise
    return _indicators_per_fiche(actions)


def _indicators_per_fiche(actions: list[dict]) -> list[dict]:
    """Every fiche's indicators (one call per fiche, a few at a time)."""
    registry = clients().registry().pinned()

    def of(action):
        try:
            return [{**i, "action_code": action.get("code")}
                    for i in registry.indicators_of_action(str(action["id"]))]
        except (ApiProblem, ServiceUnavailable, NotAuthenticated):
            return []

    with ThreadPoolExecutor(max_workers=6) as pool:
        return [i for found in pool.map(of, actions) for i in found]


def statistics_rows(rows: list[dict], group_by: str, actions: list[dict], axes: list[dict],
                    categories: dict) -> list[dict]:
    """The API's rows with a label; the axis view adds up its fiches' counts."""
    axis_of_action = {str(a["id"]): str(a.get("axis_id")) for a in actions}
    parent = {str(a["id"]): str(a.get("parent_id")) if a.get("parent_id") else None
              for a in axes}
    label_of = {str(a["id"]): f"{a.get('code', '')} {a.get('title', '')}".strip()
                for a in [*axes, *actions]}

    def top_axis(axis_id):
        seen = set()
        while parent.get(axis_id) and axis_id not in seen:
            seen.add(axis_id)
            axis_id = parent[axis_id]
        return axis_id

    if group_by == "axis":
        summed: dict[str, dict] = {}
        for row in rows:
            action = row.get("action_id")
            key = top_axis(axis_of_action.get(str(action))) if action else None
            entry = summed.setdefault(key or "", {"key": key or "", "count": 0,
                                                  "by_status": Counter()})
            entry["count"] += row.get("count", 0)
            entry["by_status"].update(row.get("by_status") or {})
        rows = list(summed.values())
    result = []
    for row in rows:
        key = str(row.get("key", row.get(group_by)) or "")
        if group_by == "commune":
            name = commune_name(key)
        elif group_by == "need_category":
            name = categories.get(key, key)
        elif group_by == "period":
            name = key
        else:
            name = label_of.get(key) or "Sans fiche action"
        result.append({"distinct_beneficiaries": None, "distinct_referrers": None,
                       "acceptance_rate": None, "median_days_to_first_answer": None, **row,
                       "name": name or "—", "total": row.get("count", 0)})
    return result


@blp.route("/<uuid:contract_id>")
@auth.login_required("coordinator", "admin")
def contract(contract_id):
    registry = clients().registry()
    contract_id = str(contract_id)
    contract_body = registry.contract(contract_id)
    axes, _ = load_optional(lambda: registry.axes(contract_id), [])
    actions, _ = load_optional(lambda: registry.actions(contract_id), [])
    indicators = clients().cached(f"indicators:{contract_id}",
                                  lambda: _indicators(contract_id, actions), [])
    bodies, _ = load_optional(lambda: registry.bodies(contract_id), [])
    meetings, _ = load_optional(lambda: registry.meetings(contract_id), [])
    coverage, _ = load_optional(lambda: registry.coverage(contract_id), {}, refused=True)
    statuses = Counter(a.get("status") for a in actions)
    status_chart = bar_chart("Fiches actions par statut", [
        (vocabulary.label(vocabulary.ACTION_STATUSES, s), n) for s, n in statuses.most_common()
    ]) if actions else None
    indicator_rows = [(i, (i.get("current") or {}).get("value")) for i in indicators]
    indicator_chart = bar_chart("Indicateurs : valeur actuelle et cible", [
        (f"{i.get('action_code') or ''} {i.get('name', '')}".strip(), value or 0, i.get("target"))
        for i, value in indicator_rows]) if indicator_rows else None
    group_by = flask.request.args.get("par", "axis")
    group_by = group_by if group_by in STAT_GROUPS else "axis"
    categories = clients().category_labels()
    api_group = "action_id" if group_by == "axis" else group_by
    raw, stats_down = load_optional(
        lambda: clients().referrals().statistics(api_group, contract_id=contract_id), [],
        refused=True)
    stat_rows = statistics_rows(raw, group_by, actions, axes, categories)
    stat_chart = bar_chart(f"Signalements par {STAT_GROUPS[group_by]}",
                           [(r["name"], r["total"]) for r in stat_rows]) if stat_rows else None
    return flask.render_template(
        "coordinator/contract.html", contract=contract_body, axes=axes, actions=actions,
        indicator_rows=indicator_rows, status_chart=status_chart,
        indicator_chart=indicator_chart, bodies=bodies, body_kinds=BODY_KINDS,
        body_names={str(b["id"]): b.get("name", "") for b in bodies},
        meetings=_upcoming(meetings), coverage=coverage_grid(coverage),
        organisations=clients().organisation_names(), categories=categories,
        stat_rows=stat_rows, stat_chart=stat_chart, stats_down=stats_down,
        group_by=group_by, stat_groups=STAT_GROUPS)


RELATIONS = {"continued": "poursuivie", "merged": "fusionnée", "split": "scindée",
             "dropped": "abandonnée"}


def history_rows(history: dict) -> dict:
    """The fiche's past (generation < 1: where it comes from) and future (what it became),
    each step with its relation in French, oldest first."""
    steps = sorted(history.get("steps") or [], key=lambda s: s.get("generation") or 0)
    rows = [{**s, "relation_label": RELATIONS.get(s.get("relation"), s.get("relation"))}
            for s in steps]
    return {"past": [r for r in rows if (r.get("generation") or 0) <= 0],
            "future": [r for r in rows if (r.get("generation") or 0) > 0]}


@blp.route("/fiches/<uuid:action_id>/historique")
@auth.login_required("coordinator", "admin")
def fiche_history(action_id):
    """A fiche across the CLS generations (`GET /actions/<id>/history`)."""
    history = clients().registry().action_history(str(action_id))
    fiche = history.get("action") or {}
    return flask.render_template("coordinator/history.html", fiche=fiche,
                                 steps=history_rows(history), relations=RELATIONS)
