"""The registry app on a real database with signed tokens, and contracts to plan in.

Contracts are inserted straight into the contracts part's table (filling any column
it requires with a neutral value): these tests are about the plan, not the contract API.
"""

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, Numeric, String, Text, Uuid, insert
from sqlalchemy import select as sql_select

from services.registry.app import create_app
from services.registry.settings import RegistrySettings
from services.registry.store.contract_tables import contracts
from services.registry.store.tables import organisations
from shared.messaging.schema import outbox
from shared.migrations import upgrade
from shared.settings import load_settings
from shared.testing.tokens import TokenFactory, serve_jwks

MIGRATIONS = Path("services/registry/migrations")
COORDINATOR = uuid.UUID("00000000-0000-4000-8000-00000000c001")
OTHER_COORDINATOR = uuid.UUID("00000000-0000-4000-8000-00000000c002")


def _neutral(column):
    kind = type(column.type)
    for types, value in (((Integer, Numeric), 1), ((Boolean,), False), ((Date,), date(2021, 1, 1)),
                         ((DateTime,), datetime.now(UTC)), ((JSON,), []),
                         ((String, Text), "x"), ((Uuid,), uuid.uuid4())):
        if issubclass(kind, types):
            return value
    raise AssertionError(f"no neutral value for {column}")


def insert_contract(session, name, **values) -> uuid.UUID:
    contract_id = values.pop("id", None) or uuid.uuid4()
    row = {"id": contract_id, "name": name, "status": "active", "version": 1,
           "created_at": datetime.now(UTC), "updated_at": datetime.now(UTC), **values}
    for column in contracts.columns:
        if (column.name not in row and not column.nullable and column.default is None
                and column.server_default is None):
            row[column.name] = _neutral(column)
    session.execute(insert(contracts).values(**row))
    return contract_id


def insert_organisation(session, name, kind="ccas") -> uuid.UUID:
    organisation_id = uuid.uuid4()
    now = datetime.now(UTC)
    session.execute(insert(organisations).values(id=organisation_id, name=name, kind=kind,
                                                 active=True, version=1, created_at=now,
                                                 updated_at=now))
    return organisation_id


class PlanClient:
    """A test client plus the tokens of each role and a way to seed contracts."""

    def __init__(self, app, issuer):
        self.http = app.test_client()
        self.sessions = app.extensions["relais.sessions"]
        self.settings = app.extensions["relais.settings"]
        self.issuer = issuer

    def token(self, *roles, member=None):
        sub = str(member or (COORDINATOR if "coordinator" in roles else uuid.uuid4()))
        return {"Authorization": f"Bearer {self.issuer.issue(sub=sub, roles=roles)}"}

    @property
    def admin(self):
        return self.token("admin")

    @property
    def coordinator(self):
        return self.token("coordinator")

    def contract(self, name="CLS de La Possession", **values) -> str:
        """A contract coordinated by COORDINATOR unless told otherwise; its id as text."""
        values.setdefault("coordinator_member_id", COORDINATOR)
        for column in ("predecessor_id", "coordinator_member_id"):
            if isinstance(values.get(column), str):
                values[column] = uuid.UUID(values[column])
        for column in ("starts_on", "ends_on"):
            if isinstance(values.get(column), str):
                values[column] = date.fromisoformat(values[column])
        with self.sessions.begin() as session:
            return str(insert_contract(session, name, **values))

    def organisation(self, name="CCAS de La Possession", kind="ccas") -> str:
        with self.sessions.begin() as session:
            return str(insert_organisation(session, name, kind))

    def outbox(self):
        with self.sessions() as session:
            return [(row.routing_key, row.envelope) for row in
                    session.execute(sql_select(outbox).order_by(outbox.c.seq))]

    def outbox_types(self, prefixes=("registry.action.", "registry.meeting.")):
        """The plan's events in the outbox (migrations put others there too)."""
        return [key for key, _ in self.outbox() if key.startswith(prefixes)]

    def __getattr__(self, name):  # get, post, patch, delete
        return getattr(self.http, name)


def _client(database_url, redis_url, tmp_path):
    upgrade(MIGRATIONS, database_url)
    issuer = TokenFactory()
    with serve_jwks(issuer) as jwks_url:
        settings = load_settings(RegistrySettings, {}, database_url=database_url,
                                 redis_url=redis_url, jwks_url=jwks_url,
                                 signing_key_dir=str(tmp_path / "keys"), log_json=False)
        app = create_app({"TESTING": True}, settings)
        yield PlanClient(app, issuer)
        app.extensions["relais.engine"].dispose()


@pytest.fixture
def client(postgres_url, redis_url, tmp_path):
    yield from _client(postgres_url, redis_url, tmp_path)


@pytest.fixture
def any_client(any_database_url, redis_url, tmp_path):
    """The same app on PostgreSQL, then on SQLite."""
    yield from _client(any_database_url, redis_url, tmp_path)
