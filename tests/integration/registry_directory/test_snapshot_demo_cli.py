"""Snapshots rebuild a read model equal to the registry; the demo loads twice the same;
`create-admin` creates the first admin once."""

import subprocess
import sys

import pytest
from sqlalchemy import MetaData, select

from services.registry.demo import directory as demo
from services.registry.store import members, need_categories, organisations
from shared.db import make_engine, make_session_factory
from shared.events import parse_event, to_envelope
from shared.readmodel import organisation_handlers
from shared.readmodel_tables import organisation_directory_table
from tests.integration.registry_directory.conftest import PASSWORD

pytestmark = pytest.mark.integration


def test_a_read_model_rebuilt_from_the_snapshot_equals_the_registry(client, tmp_path):
    org = client.organisation(name="CCAS de Créteil", communes=["94028"])
    client.organisation(name="CLSM de Créteil", kind="clsm")
    client.patch(f"/api/v1/organisations/{org['id']}", json={"name": "CCAS Créteil"},
                 headers=client.headers("admin"))
    client.member(org["id"])
    client.delete(f"/api/v1/organisations/{org['id']}", headers=client.headers("admin"))

    with client.sessions() as session:
        events = [*organisations.snapshot_events(session), *members.snapshot_events(session),
                  *need_categories.snapshot_events(session)]
        registry = {(o.id, o.name, o.kind, o.active, o.version)
                    for o in organisations.page(session, after=None, limit=200)}
    assert {e.type for e in events} == {"registry.organisation.updated",
                                        "registry.member.updated",
                                        "registry.need_category.updated"}
    # A consumer's side: a fresh database, the events as they travel (envelope round trip).
    engine = make_engine(f"sqlite:///{tmp_path}/consumer.db")
    table = organisation_directory_table(MetaData())
    table.create(engine)
    handlers = organisation_handlers(table)
    with make_session_factory(engine).begin() as session:
        for event in events:
            received = parse_event(to_envelope(event))
            if received.type in handlers:
                handlers[received.type](session, received)
                handlers[received.type](session, received)  # replayed: changes nothing
        rebuilt = {(r.id, r.name, r.kind, r.active, r.version)
                   for r in session.execute(select(table))}
    engine.dispose()
    assert rebuilt == registry
    assert ("CCAS Créteil", False, 3) in {(name, active, v) for _, name, _, active, v in rebuilt}


def test_the_demo_loads_idempotently_with_accounts_that_sign_in(any_client):
    with any_client.sessions.begin() as session:
        demo.load(session, None)
    first = len(any_client.events())
    with any_client.sessions.begin() as session:
        demo.load(session, None)
    assert len(any_client.events()) == first, "a second load changes nothing"
    for email, password, _role, _organisation in demo.DEMO_ACCOUNTS:
        assert email.endswith("@example.org")
        signed_in = any_client.sign_in(email, password)
        assert signed_in.status_code == 200, (email, signed_in.json)
    admin = any_client.headers("admin")
    challans = any_client.get("/api/v1/organisations?kind=cpts&commune=85234", headers=admin)
    assert [o["name"] for o in challans.json["items"]] == ["CPTS LVO"]
    assert len(challans.json["items"][0]["communes"]) == 16, "CC Challans-Gois + CC OMM"
    for commune in ("97408", "85047", "15014", "94028", "92036"):
        found = any_client.get(f"/api/v1/organisations?kind=ccas&commune={commune}",
                               headers=admin).json["items"]
        assert len(found) == 1, commune
    doctor = any_client.get("/api/v1/members?role=referrer", headers=admin).json["items"][0]
    assert doctor["rpps"] == demo.DEMO_RPPS


def test_create_admin_creates_once_and_refuses_a_duplicate(postgres_url, tmp_path):
    from shared.migrations import upgrade
    from tests.integration.registry_directory.conftest import MIGRATIONS
    upgrade(MIGRATIONS, postgres_url)
    env = {"RELAIS_DATABASE_URL": postgres_url, "RELAIS_LOG_JSON": "false",
           "RELAIS_SIGNING_KEY_DIR": str(tmp_path / "keys"), "PATH": "/usr/bin:/bin"}

    def create(email, password):
        return subprocess.run(
            [sys.executable, "-m", "services.registry", "create-admin", "--email", email,
             "--name", "Première admin", "--password-stdin"],
            input=password + "\n", capture_output=True, text=True, env=env, timeout=60)

    done = create("First.Admin@example.org", PASSWORD)
    assert done.returncode == 0, done.stderr
    assert "created" in done.stdout
    again = create("first.admin@EXAMPLE.org", PASSWORD)
    assert again.returncode != 0 and "already exists" in again.stderr
    weak = create("second@example.org", "short")
    assert weak.returncode != 0 and "12" in weak.stderr
    engine = make_engine(postgres_url)
    with make_session_factory(engine)() as session:
        admin = members.find_by_email(session, "first.admin@example.org")
        organisation = organisations.get(session, admin.organisation_id)
        assert members.find_by_email(session, "second@example.org") is None
    engine.dispose()
    assert (admin.roles, organisation.kind) == (("admin",), "other")
