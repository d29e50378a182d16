"""Registry read models (late, repeated, deleted-first events; snapshot rebuild) on
PostgreSQL and SQLite, and a whole referral's life on SQLite (the local run)."""

import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from services.referrals import worker
from services.referrals.commands.timers import run_timers
from services.referrals.store.read_models import replay
from services.referrals.store.routing import destination
from services.referrals.store.tables import contract_directory, routing_rules
from shared.db import make_engine, make_session_factory
from shared.events import new_event, to_envelope
from shared.migrations import upgrade
from tests.integration.referrals.conftest import (
    MIGRATIONS,
    World,
    act,
    api_client,
    feed,
    intake,
    registry_event,
    submit,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def sessions(any_database_url):
    upgrade(MIGRATIONS, any_database_url)
    engine = make_engine(any_database_url)
    yield make_session_factory(engine)
    engine.dispose()


def rule(rule_id, contract_id, organisation_id, version, **extra):
    return {"id": rule_id, "contract_id": contract_id, "communes": [], "version": version,
            "need_category": "housing", "organisation_id": organisation_id, "precedence": 0,
            "active": True, **extra}


def test_late_repeated_and_out_of_order_events_change_nothing(sessions):
    world = World()
    feed(sessions, world.events())
    rule_id, ccas_b = str(uuid.uuid4()), str(uuid.uuid4())
    feed(sessions, [
        ("registry.routing_rule.updated", rule(rule_id, world.contract, ccas_b, 3)),
        ("registry.routing_rule.created", rule(rule_id, world.contract, world.ccas, 1)),
        ("registry.routing_rule.updated", rule(rule_id, world.contract, world.ccas, 2)),
        ("registry.routing_rule.updated", rule(rule_id, world.contract, ccas_b, 3)),
    ])
    with sessions() as session:
        row = session.execute(select(routing_rules).where(
            routing_rules.c.id == uuid.UUID(rule_id))).one()
        assert (str(row.organisation_id), row.version) == (ccas_b, 3)
        assert str(destination(session, "94028", "housing").organisation_id) == ccas_b


def test_a_deletion_before_the_creation_wins(sessions):
    world = World()
    feed(sessions, world.events())
    rule_id = str(uuid.uuid4())
    feed(sessions, [
        ("registry.routing_rule.deleted", {"id": rule_id, "version": 2}),
        ("registry.routing_rule.created", rule(rule_id, world.contract, world.msp, 1)),
    ])
    with sessions() as session:
        # The deleted rule is ignored: the contract's fallback receives housing needs.
        assert str(destination(session, "94028", "housing").organisation_id) == world.ccas
    feed(sessions, [("registry.contract.deleted", {"id": world.contract, "version": 5})])
    with sessions() as session:
        assert session.execute(select(contract_directory.c.deleted)).scalar() is True


def test_an_inactive_organisation_is_skipped_by_routing(sessions):
    world = World()
    feed(sessions, world.events())
    feed(sessions, [("registry.organisation.deleted", {"id": world.ccas_other, "version": 2})])
    with sessions() as session:
        assert str(destination(session, "94046", "social_rights").organisation_id) == world.ccas


def test_the_read_models_rebuild_from_a_snapshot(sessions):
    world = World()
    feed(sessions, [("registry.contract.created", {
        "id": str(uuid.uuid4()), "name": "Ancien", "status": "active", "communes": ["94028"],
        "fallback_organisation_id": world.msp, "version": 1})])
    snapshot = [to_envelope(new_event(t, d)) for t, d in world.events()]
    with sessions.begin() as session:
        assert replay(session, json.loads(json.dumps(snapshot)), reset=True) == len(snapshot)
    with sessions.begin() as session:
        replay(session, snapshot)  # replaying twice changes nothing
    with sessions() as session:
        assert len(session.execute(select(contract_directory)).all()) == 1
        assert str(destination(session, "94028", "housing").organisation_id) == world.ccas


def test_every_registry_event_the_referrals_service_keeps_has_a_handler():
    for type_ in ("registry.contract.updated", "registry.routing_rule.deleted",
                  "registry.need_category.updated", "registry.pathway.updated",
                  "registry.member.updated", "registry.organisation.deleted"):
        assert type_ in worker.HANDLERS
    event = registry_event("registry.need_category.created", {
        "id": str(uuid.uuid4()), "code": "food", "label": "Aide alimentaire", "active": True,
        "version": 1})
    assert event.data["code"] == "food"


@pytest.fixture
def sqlite_client(tmp_path, redis_url, world):
    url = f"sqlite:///{tmp_path}/referrals.db"
    upgrade(MIGRATIONS, url)
    with api_client(url, redis_url, tmp_path, world) as client:
        yield client


def test_a_referrals_life_on_sqlite(sqlite_client):
    client, world = sqlite_client, sqlite_client.world
    first = submit(client)
    client.now[0] += timedelta(minutes=1)
    second = submit(client)
    assert act(client, world.handler, first, "accept").json["status"] == "accepted"
    page = client.get("/api/v1/referrals?limit=1", headers=client.as_(world.handler)).json
    rest = client.get(f"/api/v1/referrals?limit=1&after={page['next']}",
                      headers=client.as_(world.handler)).json
    assert [page["items"][0]["id"], rest["items"][0]["id"]] == [first["id"], second["id"]]
    other = client.get(f"/api/v1/referrals/{first['id']}", headers=client.as_(world.other_handler))
    assert other.status_code == 404
    moment = client.now[0] + timedelta(days=31)
    assert run_timers(client.sessions, lambda: moment) == {"expired": 1, "reminded": 0}


def test_routing_held_in_memory_follows_changes_applied_by_another_process(client):
    """The API keeps the routing tables in memory; a change the worker (its own engine,
    as another process would) applies is seen by the very next intake."""
    world = client.world
    assert submit(client, beneficiary={"commune": "94046"})["receiving_organisation_id"] \
        == world.ccas_other
    worker_engine = make_engine(client.settings.database_url)
    try:
        feed(make_session_factory(worker_engine), [("registry.organisation.updated", {
            "id": world.ccas_other, "name": "CCAS de Maisons-Alfort", "kind": "ccas",
            "active": False, "version": 2})])
    finally:
        worker_engine.dispose()
    assert submit(client, beneficiary={"commune": "94046"})["receiving_organisation_id"] \
        == world.ccas, "an inactive organisation receives nothing: the territory's rule"
    childcare = client.post("/api/v1/referrals", json=intake(need_category="childcare"),
                            headers=client.as_(world.referrer))
    assert childcare.status_code == 422, "unknown category"
    feed(client.sessions, [("registry.need_category.created", {
        "id": str(uuid.uuid4()), "code": "childcare", "label": "Garde d'enfants",
        "active": True, "version": 1})])
    assert submit(client, need_category="childcare")["receiving_organisation_id"] == world.ccas
