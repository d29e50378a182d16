"""A registry app on a real database, with two token issuers trusted at once: the
test factory (tokens for any role and organisation) and the registry's own keys
(tokens obtained by signing in)."""

from __future__ import annotations

import json
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from services.registry.app import create_app
from services.registry.settings import RegistrySettings
from services.registry.store.keys import KeyStore
from shared.messaging.schema import outbox
from shared.migrations import upgrade
from shared.settings import load_settings
from shared.testing.tokens import TokenFactory, serve_jwks

MIGRATIONS = Path("services/registry/migrations")
PASSWORD = "correct horse battery"


class Client:
    """The Flask test client with helpers to act as a role, an organisation, a member."""

    def __init__(self, app, issuer: TokenFactory):
        self.app = app
        self.http = app.test_client()
        self.issuer = issuer
        self.sessions = app.extensions["relais.sessions"]

    def __getattr__(self, name):  # get, post, patch, delete...
        return getattr(self.http, name)

    def headers(self, *roles, org=None, sub=None) -> dict:
        token = self.issuer.issue(sub=sub or f"test-{uuid.uuid4()}", org=org and str(org),
                                  roles=roles)
        return {"Authorization": f"Bearer {token}"}

    def bearer(self, access_token: str) -> dict:
        return {"Authorization": f"Bearer {access_token}"}

    def organisation(self, name="CCAS de Créteil", kind="ccas", **extra) -> dict:
        response = self.post("/api/v1/organisations", json={"name": name, "kind": kind, **extra},
                             headers=self.headers("admin"))
        assert response.status_code == 201, response.json
        return response.json

    def member(self, organisation_id, email=None, roles=("handler",), password=PASSWORD,
               **extra) -> dict:
        body = {"organisation_id": str(organisation_id), "display_name": "Agent Démo",
                "email": email or f"agent-{uuid.uuid4().hex[:8]}@example.org",
                "roles": list(roles), **extra}
        if password is not None:
            body["password"] = password
        response = self.post("/api/v1/members", json=body, headers=self.headers("admin"))
        assert response.status_code == 201, response.json
        return response.json

    def sign_in(self, email, password=PASSWORD):
        return self.post("/api/v1/auth/token", json={"email": email, "password": password})

    def events(self, prefix="registry.") -> list[dict]:
        """Envelopes in the outbox, in order (`type` and `data`)."""
        with self.sessions() as session:
            rows = session.execute(select(outbox.c.envelope).order_by(outbox.c.seq)).scalars()
            envelopes = [json.loads(row) for row in rows]
        return [e for e in envelopes if e["type"].startswith(prefix)]


@contextmanager
def registry_client(database_url, redis_url, tmp_path, **overrides):
    upgrade(MIGRATIONS, database_url)
    issuer = TokenFactory()
    keys = KeyStore(tmp_path / "keys")
    with serve_jwks(issuer, keys) as jwks_url:
        settings = load_settings(RegistrySettings, {}, database_url=database_url,
                                 redis_url=redis_url, jwks_url=jwks_url,
                                 signing_key_dir=str(tmp_path / "keys"), log_json=False,
                                 **overrides)
        app = create_app({"TESTING": True}, settings)
        try:
            yield Client(app, issuer)
        finally:
            app.extensions["relais.engine"].dispose()


@pytest.fixture
def client(postgres_url, redis_url, tmp_path):
    with registry_client(postgres_url, redis_url, tmp_path) as client:
        yield client


@pytest.fixture
def any_client(any_database_url, redis_url, tmp_path):
    """The same, on PostgreSQL and on SQLite."""
    with registry_client(any_database_url, redis_url, tmp_path) as client:
        yield client
