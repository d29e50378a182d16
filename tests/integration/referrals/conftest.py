"""A referrals API on real PostgreSQL, with the registry's read models fed by its events."""

from __future__ import annotations

import secrets
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from services.referrals import worker
from services.referrals.app import create_app
from services.referrals.settings import ReferralsSettings
from services.referrals.store.tables import metadata
from shared.db import make_engine
from shared.events import new_event, parse_event, to_envelope
from shared.messaging.schema import metadata as messaging_metadata
from shared.migrations import upgrade
from shared.settings import load_settings
from shared.testing.tokens import TokenFactory, serve_jwks

MIGRATIONS = Path("services/referrals/migrations")
NAME = "Zéphyrine"
SURNAME = "Quenouille-Abracadabra"


def _id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Member:
    id: str
    organisation_id: str
    roles: tuple[str, ...]


class World:
    """Organisations, members, a contract and its rules, as the registry announced them."""

    def __init__(self):
        self.ccas = _id()          # CCAS de Créteil: default destination
        self.ccas_other = _id()    # CCAS de Maisons-Alfort: a rule sends 94046 there
        self.cpts = _id()
        self.msp = _id()
        self.sport = _id()         # Maison Sport Santé
        self.contract = _id()
        self.pathway = _id()
        self.action = _id()  # fiche action "C2.5"
        self.referrer = Member(_id(), self.cpts, ("referrer",))
        self.colleague = Member(_id(), self.cpts, ("referrer",))
        self.other_referrer = Member(_id(), self.msp, ("referrer",))
        self.handler = Member(_id(), self.ccas, ("handler",))
        self.handler2 = Member(_id(), self.ccas, ("handler",))
        self.other_handler = Member(_id(), self.ccas_other, ("handler",))
        self.sport_handler = Member(_id(), self.sport, ("handler",))
        self.coordinator = Member(_id(), self.ccas, ("coordinator",))
        self.admin = Member(_id(), _id(), ("admin",))

    def events(self):
        orgs = [(self.ccas, "CCAS de Créteil", "ccas"), (self.ccas_other, "CCAS de Maisons-Alfort",
                "ccas"), (self.cpts, "CPTS Créteil", "cpts"), (self.msp, "MSP du Port", "msp"),
                (self.sport, "Maison Sport Santé", "sport_health_house")]
        for org_id, name, kind in orgs:
            yield "registry.organisation.created", {"id": org_id, "name": name, "kind": kind,
                                                    "active": True, "version": 1}
        for code in ("social_rights", "housing", "sport_health"):
            yield "registry.need_category.created", {"id": _id(), "code": code,
                                                     "label": code, "active": True,
                                                     "version": 1}
        yield "registry.contract.created", {
            "id": self.contract, "name": "CLS de Créteil", "status": "active",
            "communes": ["94028", "94046", "97408"], "fallback_organisation_id": self.ccas,
            "coordinator_member_id": self.coordinator.id, "reminder_after_days": 10,
            "expire_after_days": 30, "version": 1}
        yield "registry.routing_rule.created", {
            "id": _id(), "contract_id": self.contract, "communes": [],
            "need_category": "social_rights", "organisation_id": self.ccas, "precedence": 0,
            "active": True, "version": 1}
        yield "registry.routing_rule.created", {
            "id": _id(), "contract_id": self.contract, "communes": ["94046"],
            "need_category": "social_rights", "organisation_id": self.ccas_other,
            "precedence": 1, "active": True, "version": 1}
        yield "registry.action.created", {
            "id": self.action, "contract_id": self.contract, "code": "C2.5",
            "title": "Accès aux droits", "status": "in_progress", "version": 1}
        yield "registry.pathway.created", {
            "id": self.pathway, "contract_id": self.contract, "name": "Sport sur ordonnance",
            "active": True, "version": 1, "steps": [
                {"position": 1, "name": "Bilan sport santé", "need_category": "sport_health",
                 "organisation_id": self.sport},
                {"position": 2, "name": "Activité physique adaptée",
                 "need_category": "sport_health", "organisation_id": self.ccas}]}
        for member in (self.handler, self.handler2, self.other_handler, self.sport_handler):
            yield "registry.member.created", {
                "id": member.id, "organisation_id": member.organisation_id,
                "roles": list(member.roles), "active": True, "email": "agent@example.org",
                "display_name": "Agent", "version": 1}


def registry_event(type_, data):
    return parse_event(to_envelope(new_event(type_, data)))


def feed(sessions, events):
    for type_, data in events:
        with sessions.begin() as session:
            worker.HANDLERS[type_](session, registry_event(type_, data))


def intake(**overrides):
    body = {
        "beneficiary": {"first_name": NAME, "last_name": SURNAME, "birth_date": "1950-03-14",
                        "commune": "94028", "phone": "06 12 34 56 78"},
        "need_category": "social_rights",
        "description": "Besoin d'aide pour ouvrir ses droits (Zéphyrine).",
        "urgency": "normal",
        "consent": {"obtained_by": "Dr Exemple", "obtained_at": "2026-01-05T10:00:00Z",
                    "method": "oral", "scope": "referral_and_follow_up"},
    }
    for key, value in overrides.items():
        if value is None:
            body.pop(key, None)
        elif isinstance(value, dict) and isinstance(body.get(key), dict):
            body[key] = {**body[key], **value}
        else:
            body[key] = value
    return body


def settings_for(postgres_url, redis_url, jwks_url, tmp_path, **extra):
    return load_settings(ReferralsSettings, {}, database_url=postgres_url, redis_url=redis_url,
                         jwks_url=jwks_url, log_json=False,
                         encryption_keys=Fernet.generate_key().decode(),
                         blind_index_key=secrets.token_urlsafe(32),
                         key_file=str(tmp_path / "keys.json"), **extra)


@pytest.fixture
def world():
    return World()


@pytest.fixture(scope="session")
def referrals_database(postgres_databases):
    """One migrated database for these tests, emptied before each (creating and dropping
    a database per test costs about a second each)."""
    url = postgres_databases.create("referrals")
    upgrade(MIGRATIONS, url)
    return url


def empty(url):
    tables = ", ".join(t.name for t in (*metadata.sorted_tables,
                                        *messaging_metadata.sorted_tables))
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} CASCADE"))
    engine.dispose()


@contextmanager
def api_client(url, redis_url, tmp_path, world):
    """A test client of the referrals API on `url`, the read models fed by `world`."""
    issuer = TokenFactory()
    with serve_jwks(issuer) as jwks_url:
        settings = settings_for(url, redis_url, jwks_url, tmp_path)
        app = create_app({"TESTING": True}, settings)
        client = app.test_client()
        client.settings = settings
        client.world = world
        client.sessions = app.extensions["relais.sessions"]
        client.now = [datetime(2026, 2, 2, 9, 0, tzinfo=UTC)]
        app.extensions["referrals.clock"] = lambda: client.now[0]
        client.as_ = lambda member, **headers: {
            "Authorization": "Bearer " + issuer.issue(sub=member.id, org=member.organisation_id,
                                                      roles=member.roles), **headers}
        feed(client.sessions, world.events())
        try:
            yield client
        finally:
            app.extensions["relais.engine"].dispose()


@pytest.fixture
def client(referrals_database, redis_url, tmp_path, world):
    empty(referrals_database)
    with api_client(referrals_database, redis_url, tmp_path, world) as client:
        yield client


def submit(client, member=None, **overrides):
    response = client.post("/api/v1/referrals", json=intake(**overrides),
                           headers=client.as_(member or client.world.referrer))
    assert response.status_code == 201, response.json
    return response.json


def act(client, member, referral, action, **body):
    return client.post(f"/api/v1/referrals/{referral['id']}/transitions",
                       json={"action": action, **body},
                       headers=client.as_(member, **{"If-Match": f'W/"{referral["version"]}"'}))
