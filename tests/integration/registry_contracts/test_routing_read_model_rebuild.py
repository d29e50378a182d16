"""Another service's read model rebuilt from the registry's events equals the
registry's own state.

The registry (PostgreSQL) goes through creations, changes and deletions; the
referrals service's own read-model handlers then rebuild its routing copy in a
database of its own (SQLite), once from the event history delivered shuffled
(versions must protect it) and once from the registry's snapshot alone
(followed by the whole history again: late and repeated events change nothing).
Both copies route every (commune, category) pair of every contract in force
exactly where the registry's coverage report says.
"""

import json
import random
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from services.referrals.store import read_models, routing
from services.referrals.store.tables import routing_rules as rule_copies
from services.registry.store import contracts as contract_store
from services.registry.store import pathways as pathway_store
from services.registry.store import routing as routing_store
from shared.db import make_engine, make_session_factory
from shared.events import parse_event, to_envelope
from shared.messaging.schema import outbox
from shared.migrations import upgrade
from tests.integration.registry_contracts.conftest import CHALLANS_GOIS, OCEAN_MARAIS_DE_MONTS

pytestmark = pytest.mark.integration


def build_registry_state(api) -> None:
    """Contracts, rules, and the kinds of change a consumer must follow."""
    admin = api.admin()
    cias_cg = api.organisation("CIAS Challans-Gois Communauté", "cias")
    cias_om = api.organisation("CIAS Océan Marais de Monts", "cias")
    ccas = api.organisation("CCAS de Créteil", "ccas")
    clsm = api.organisation("CLSM de Créteil", "clsm")
    challans = api.contract(name="CLS Challans", communes=[],
                            epcis=[CHALLANS_GOIS, OCEAN_MARAIS_DE_MONTS],
                            status="signed", fallback_organisation_id=cias_cg)
    creteil = api.contract(name="CLS de Créteil", communes=["94028"], status="active",
                           fallback_organisation_id=ccas)
    draft = api.contract(name="Brouillon", communes=["97408"])

    def rule(contract, **body):
        created = api.post(f"/api/v1/contracts/{contract['id']}/routing-rules", json=body,
                           headers=admin)
        assert created.status_code == 201, created.json
        return f"/api/v1/contracts/{contract['id']}/routing-rules/{created.json['id']}"

    om = ["85012", "85164", "85172", "85234", "85284"]
    rule(challans, need_category="financial_aid", organisation_id=cias_cg)
    moved = rule(challans, need_category="financial_aid", organisation_id=cias_cg, communes=om)
    api.patch(moved, json={"organisation_id": cias_om}, headers=admin)
    gone = rule(challans, need_category="housing", organisation_id=cias_om, precedence=3)
    api.delete(gone, headers=admin)
    off = rule(challans, need_category="isolation", organisation_id=cias_om)
    api.patch(off, json={"active": False}, headers=admin)
    rule(creteil, need_category="mental_health", organisation_id=clsm, precedence=1)
    rule(creteil, need_category="mental_health", organisation_id=ccas, communes=["94028"])
    rule(draft, need_category="housing", organisation_id=ccas)
    api.patch(f"/api/v1/contracts/{challans['id']}", json={"status": "active"}, headers=admin)
    api.patch(f"/api/v1/contracts/{creteil['id']}", json={"fallback_organisation_id": clsm},
              headers=admin)
    assert api.delete(f"/api/v1/contracts/{draft['id']}", headers=admin).status_code == 204


def history(api):
    with api.sessions() as session:
        rows = session.execute(select(outbox.c.envelope).order_by(outbox.c.seq)).scalars()
        return [parse_event(json.loads(envelope)) for envelope in rows]


def snapshot(api):
    with api.sessions() as session:
        events = [*contract_store.snapshot_events(session),
                  *routing_store.snapshot_events(session),
                  *pathway_store.snapshot_events(session)]
    # As a consumer receives them: serialised, sent, parsed.
    return [parse_event(json.loads(json.dumps(to_envelope(e), default=str))) for e in events]


def read_model(tmp_path, name, events):
    url = f"sqlite:///{tmp_path}/{name}.db"
    upgrade(Path("services/referrals/migrations"), url)
    engine = make_engine(url)
    with make_session_factory(engine).begin() as session:
        for event in events:
            handler = read_models.HANDLERS.get(event.type)
            if handler:
                handler(session, event)
    return engine


def registry_routes(api) -> tuple[dict, set]:
    """{(commune, category): organisation id} from the registry's coverage reports of
    the contracts in force, and the registry's rules as tuples."""
    expected = {}
    with api.sessions() as session:
        in_force = [c for c in contract_store.page(session, after=None, limit=200)
                    if c.status in ("signed", "active")]
        rules = routing_store.page(session, contract_id=None, after=None, limit=None)
    for contract in in_force:
        report = api.get(f"/api/v1/contracts/{contract.id}/coverage",
                         headers=api.admin()).json
        expected.update({(e["commune"], e["need_category"]): e["organisation_id"]
                         for e in report["entries"]})
    return expected, {(str(r.id), r.version, tuple(r.communes), r.need_category,
                       str(r.organisation_id), r.precedence, r.active) for r in rules}


def copy_routes(engine, pairs) -> tuple[dict, set]:
    with make_session_factory(engine)() as session:
        routes = {pair: str(routing.destination(session, *pair).organisation_id)
                  for pair in pairs}
        rows = session.execute(select(rule_copies).where(rule_copies.c.deleted.is_(False)))
        rules = {(str(r.id), r.version, tuple(r.communes), r.need_category,
                  str(r.organisation_id), r.precedence, r.active) for r in rows}
    return routes, rules


def test_the_referrals_read_model_rebuilt_from_events_routes_like_the_registry(api, tmp_path):
    build_registry_state(api)
    expected_routes, expected_rules = registry_routes(api)
    assert len(expected_routes) > 16 * 10 and len(expected_rules) == 5
    events = history(api)
    shuffled = random.Random(3).sample(events, len(events))
    from_history = read_model(tmp_path, "history", shuffled)
    from_snapshot = read_model(tmp_path, "snapshot", snapshot(api) + events)
    for engine in (from_history, from_snapshot):
        routes, rules = copy_routes(engine, expected_routes)
        assert rules == expected_rules
        assert routes == expected_routes
        engine.dispose()


def test_a_snapshot_has_one_updated_event_per_entity_at_its_version(api):
    build_registry_state(api)
    with api.sessions() as session:
        [contract] = contract_store.page(session, after=None, limit=1)
    house = api.organisation("Maison Sport Santé", "sport_health_house")
    pathway_url = f"/api/v1/contracts/{contract.id}/pathways"
    pathway = api.post(pathway_url, headers=api.admin(), json={
        "name": "Sport sur Ordonnance", "steps": [
            {"position": 1, "name": "Bilan sport santé",
             "need_category": "physical_activity_prescription", "organisation_id": house}]})
    api.patch(f"{pathway_url}/{pathway.json['id']}", json={"active": False}, headers=api.admin())
    events = snapshot(api)
    assert {e.type for e in events} == {"registry.contract.updated",
                                        "registry.routing_rule.updated",
                                        "registry.pathway.updated"}
    [pathway_event] = [e.data for e in events if e.type == "registry.pathway.updated"]
    assert (pathway_event["version"], pathway_event["active"]) == (2, False)
    events = [e for e in events if e.type != "registry.pathway.updated"]
    with api.sessions() as session:
        contracts = contract_store.page(session, after=None, limit=200)
    versions = {uuid.UUID(e.data["id"]): e.data["version"] for e in events}
    assert all(versions[c.id] == c.version for c in contracts)
    assert len(events) == len(contracts) + 5
