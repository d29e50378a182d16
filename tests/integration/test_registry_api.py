"""The registry's API on real PostgreSQL: roles, validation, and its events in the outbox."""

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from services.registry.app import create_app
from services.registry.settings import RegistrySettings
from shared.messaging.schema import outbox
from shared.migrations import upgrade
from shared.settings import load_settings
from shared.testing.tokens import TokenFactory, serve_jwks

pytestmark = pytest.mark.integration
MIGRATIONS = Path("services/registry/migrations")


@pytest.fixture
def client(postgres_url, redis_url, tmp_path):
    upgrade(MIGRATIONS, postgres_url)
    issuer = TokenFactory()
    with serve_jwks(issuer) as jwks_url:
        settings = load_settings(RegistrySettings, {}, database_url=postgres_url,
                                 redis_url=redis_url, jwks_url=jwks_url,
                                 signing_key_dir=str(tmp_path / "keys"), log_json=False)
        app = create_app({"TESTING": True}, settings)
        client = app.test_client()
        client.token = lambda *roles: {"Authorization": f"Bearer {issuer.issue(roles=roles)}"}
        client.sessions = app.extensions["relais.sessions"]
        yield client
        app.extensions["relais.engine"].dispose()


def outbox_types(client, prefix="registry.organisation."):
    """Event types in the outbox (the migration's seeded need categories left aside)."""
    with client.sessions() as session:
        return [row.routing_key for row in session.execute(select(outbox).order_by(outbox.c.seq))
                if row.routing_key.startswith(prefix)]


def test_admin_registers_and_changes_an_organisation_with_events_in_the_same_commit(client):
    created = client.post("/api/v1/organisations", json={"name": "CCAS de Créteil", "kind": "ccas"},
                          headers=client.token("admin"))
    assert created.status_code == 201, created.json
    org = created.json
    changed = client.patch(f"/api/v1/organisations/{org['id']}", json={"active": False},
                           headers=client.token("admin"))
    assert (changed.json["active"], changed.json["version"]) == (False, 2)
    same = client.patch(f"/api/v1/organisations/{org['id']}", json={"active": False},
                        headers=client.token("admin"))
    assert same.json["version"] == 2, "no change, no new version, no event"
    assert outbox_types(client) == ["registry.organisation.created",
                                    "registry.organisation.updated"]
    with client.sessions() as session:
        envelope = json.loads(session.execute(select(outbox.c.envelope).where(
            outbox.c.routing_key == "registry.organisation.created")).scalars().first())
    assert envelope["correlationid"] == created.headers["X-Request-ID"]


@pytest.mark.parametrize("roles", [("referrer",), ("handler",), ("coordinator",)])
def test_only_an_admin_writes(client, roles):
    response = client.post("/api/v1/organisations", json={"name": "X", "kind": "ccas"},
                           headers=client.token(*roles))
    assert response.status_code == 403
    assert response.json["code"] == "forbidden"
    assert outbox_types(client) == []


def test_every_member_reads_and_anonymous_reads_nothing(client):
    client.post("/api/v1/organisations", json={"name": "CPTS Sud", "kind": "cpts"},
                headers=client.token("admin"))
    assert client.get("/api/v1/organisations").status_code == 401
    listed = client.get("/api/v1/organisations?kind=cpts", headers=client.token("referrer"))
    assert [o["name"] for o in listed.json["items"]] == ["CPTS Sud"]


def test_keyset_pagination_walks_every_organisation_once(client):
    for i in range(5):
        client.post("/api/v1/organisations", json={"name": f"MSP {i}", "kind": "msp"},
                    headers=client.token("admin"))
    seen, cursor = [], None
    while True:
        url = "/api/v1/organisations?limit=2" + (f"&after={cursor}" if cursor else "")
        page = client.get(url, headers=client.token("handler")).json
        seen += [o["name"] for o in page["items"]]
        if not (cursor := page["next"]):
            break
    assert sorted(seen) == [f"MSP {i}" for i in range(5)]


@pytest.mark.parametrize("body,fields", [
    ({"name": "", "kind": "ccas"}, {"name"}),
    ({"name": "X", "kind": "castle"}, {"kind"}),
    ({"kind": "ccas", "colour": "red"}, {"name", "colour"}),
])
def test_bad_input_is_a_422_naming_each_field(client, body, fields):
    response = client.post("/api/v1/organisations", json=body, headers=client.token("admin"))
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert {e["field"] for e in response.json["errors"]} == fields


def test_unknown_organisation_is_a_404_problem(client):
    response = client.get("/api/v1/organisations/6d6bc68f-4881-4159-b0f3-317b52ed8009",
                          headers=client.token("referrer"))
    assert (response.status_code, response.json["code"]) == (404, "not_found")


def test_jwks_publishes_the_signing_key_and_probes_answer(client):
    keys = client.get("/.well-known/jwks.json").json["keys"]
    assert keys[0]["alg"] == "EdDSA" and "d" not in keys[0], "public part only"
    assert client.get("/readyz").status_code == 200
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"/api/v1/organisations", "/api/v1/members", "/api/v1/members/{member_id}/password",
            "/api/v1/auth/token", "/api/v1/auth/refresh", "/api/v1/auth/revoke",
            "/api/v1/need-categories"} <= set(paths)
    assert "security" not in paths["/api/v1/auth/token"]["post"], "sign-in needs no token"
    assert paths["/api/v1/members"]["get"]["security"] == [{"bearerAuth": []}]
