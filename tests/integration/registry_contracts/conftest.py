"""A registry app on a real database with signed tokens, and helpers to build contracts."""

import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from services.registry.app import create_app
from services.registry.domain.members import Member
from services.registry.domain.organisations import Organisation
from services.registry.settings import RegistrySettings
from services.registry.store import members as member_store
from services.registry.store import organisations as organisation_store
from shared.messaging.schema import outbox
from shared.migrations import upgrade
from shared.settings import load_settings
from shared.testing.tokens import TokenFactory, serve_jwks

MIGRATIONS = Path("services/registry/migrations")
CHALLANS_GOIS, OCEAN_MARAIS_DE_MONTS = "200071629", "248500258"


class Api:
    """A test client that signs its own tokens and reads the outbox."""

    def __init__(self, app, issuer):
        self.app = app
        self.client = app.test_client()
        self.issuer = issuer
        self.sessions = app.extensions["relais.sessions"]
        self.member_id = str(uuid.uuid4())

    def token(self, *roles, member=None) -> dict:
        sub = member or str(uuid.uuid4())
        return {"Authorization": f"Bearer {self.issuer.issue(sub=sub, roles=roles)}"}

    def admin(self) -> dict:
        return self.token("admin")

    def __getattr__(self, name):  # get, post, patch, delete of the flask test client
        return getattr(self.client, name)

    def organisation(self, name="CCAS de Challans", kind="ccas", active=True) -> str:
        created = self.client.post("/api/v1/organisations", json={"name": name, "kind": kind},
                                   headers=self.admin())
        assert created.status_code == 201, created.json
        if not active:
            changed = self.client.patch(f"/api/v1/organisations/{created.json['id']}",
                                        json={"active": False}, headers=self.admin())
            assert changed.status_code == 200, changed.json
        return created.json["id"]

    def member(self, *roles, active=True) -> str:
        """A member of the directory (the coordinator of a contract must be one)."""
        with self.sessions.begin() as session:
            organisation = Organisation(name=f"Org {uuid.uuid4()}", kind="ccas")
            organisation_store.add(session, organisation)
            member = Member(organisation_id=organisation.id, roles=roles or ("coordinator",),
                            email=f"{uuid.uuid4().hex}@example.org", display_name="Membre",
                            active=active)
            member_store.add(session, member)
        return str(member.id)

    def contract(self, **fields) -> dict:
        body = {"name": "CLS de Créteil", "communes": ["94028"], **fields}
        created = self.client.post("/api/v1/contracts", json=body, headers=self.admin())
        assert created.status_code == 201, created.json
        return created.json

    def events(self, prefix="registry.") -> list[tuple[str, dict]]:
        """(type, data) of the outbox rows whose type starts with `prefix`, in order."""
        with self.sessions() as session:
            rows = session.execute(select(outbox.c.routing_key, outbox.c.envelope)
                                   .order_by(outbox.c.seq)).all()
        return [(key, json.loads(envelope)["data"]) for key, envelope in rows
                if key.startswith(prefix)]


def make_api(database_url, redis_url, tmp_path):
    upgrade(MIGRATIONS, database_url)
    issuer = TokenFactory()
    jwks = serve_jwks(issuer)
    jwks_url = jwks.__enter__()
    settings = load_settings(RegistrySettings, {}, database_url=database_url,
                             redis_url=redis_url, jwks_url=jwks_url,
                             signing_key_dir=str(tmp_path / "keys"), log_json=False)
    api = Api(create_app({"TESTING": True}, settings), issuer)
    return api, jwks


@pytest.fixture
def api(postgres_url, redis_url, tmp_path):
    api, jwks = make_api(postgres_url, redis_url, tmp_path)
    yield api
    api.app.extensions["relais.engine"].dispose()
    jwks.__exit__(None, None, None)


@pytest.fixture
def any_api(any_database_url, redis_url, tmp_path):
    """The same app on PostgreSQL, then on SQLite."""
    api, jwks = make_api(any_database_url, redis_url, tmp_path)
    yield api
    api.app.extensions["relais.engine"].dispose()
    jwks.__exit__(None, None, None)


@pytest.fixture
def coordinated(api):
    """A contract with a coordinator and a fallback; the coordinator's headers."""
    coordinator = api.member("coordinator")
    fallback = api.organisation("CCAS de Créteil")
    contract = api.contract(coordinator_member_id=coordinator,
                            fallback_organisation_id=fallback)
    return contract, api.token("coordinator", member=coordinator), fallback
