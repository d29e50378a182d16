"""The three services in-process (Flask apps built by their own `create_app`) on fresh,
migrated PostgreSQL databases, trusting one test key; the registry's demo data loaded;
events carried from each outbox to the other services' consumers by hand (`pump`),
through the same idempotent processor the workers use.

The world holds one example of everything an endpoint can name (a referral, a
pathway run, an inbox item, a webhook subscription, a delivery, a fiche, ...) and the
principals of the access matrix: the demo referrer, handler, coordinator and admin,
and the same roles in other organisations (another contract's coordinator).
"""

from __future__ import annotations

import json
import secrets
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import select

from services.notifications import worker as notifications_worker
from services.notifications.app import create_app as notifications_app
from services.notifications.settings import NotificationsSettings
from services.referrals import worker as referrals_worker
from services.referrals.app import create_app as referrals_app
from services.referrals.settings import ReferralsSettings
from services.registry import demo
from services.registry import worker as registry_worker
from services.registry.app import create_app as registry_app
from services.registry.settings import RegistrySettings
from services.registry.store.keys import KeyStore
from shared.messaging.consumer import EventProcessor
from shared.messaging.schema import outbox
from shared.migrations import upgrade
from shared.settings import load_settings
from shared.testing.tokens import TokenFactory, serve_jwks

SERVICES = ("registry", "referrals", "notifications")
# Who consumes whose events (shared/messaging/topology.py).
CONSUMERS = {"registry": ("referrals", "notifications"), "referrals": ("registry", "notifications"),
             "notifications": ()}
ROLES = ("referrer", "handler", "coordinator", "admin")
# The matrix's principals: the demo accounts, and the same roles elsewhere.
PRINCIPALS = ("referrer", "handler", "coordinator", "admin",
              "other_referrer", "other_handler", "other_coordinator")
NAME, SURNAME = "Philomène", "Sécurité-Matrice"


def intake(**extra) -> dict:
    """A valid referral for a resident of La Possession (routed to its CCAS)."""
    return {
        "beneficiary": {"first_name": NAME, "last_name": SURNAME, "birth_date": "1952-02-29",
                        "commune": "97408"},
        "need_category": "access_to_rights", "description": "Accès aux droits.",
        "consent": {"obtained_by": "Dr Test", "obtained_at": "2026-01-05T10:00:00Z",
                    "method": "oral", "scope": "pathway"},
        **extra}


@dataclass(frozen=True)
class Principal:
    member_id: str
    organisation_id: str | None
    roles: tuple[str, ...]


class World:
    def __init__(self, postgres_databases, redis_url: str, tmp_path: Path):
        self._exit = ExitStack()
        self.issuer = TokenFactory()
        self.keys = KeyStore(tmp_path / "keys")
        self.jwks_url = self._exit.enter_context(serve_jwks(self.issuer, self.keys))
        self.database_urls = {name: postgres_databases.create(f"sec{name}") for name in SERVICES}
        for name, url in self.database_urls.items():
            upgrade(Path(f"services/{name}/migrations"), url)
        common = {"redis_url": redis_url, "jwks_url": self.jwks_url, "log_json": False}
        self.settings = {
            "registry": load_settings(RegistrySettings, {}, **common,
                                      database_url=self.database_urls["registry"],
                                      signing_key_dir=str(tmp_path / "keys"),
                                      # Small limits: each refused sign-in hashes (~0.5 s).
                                      login_max_failures_per_account=3,
                                      login_max_failures_per_address=6),
            "referrals": load_settings(ReferralsSettings, {}, **common,
                                       database_url=self.database_urls["referrals"],
                                       encryption_keys=Fernet.generate_key().decode(),
                                       blind_index_key=secrets.token_urlsafe(32),
                                       key_file=str(tmp_path / "referrals-keys.json")),
            "notifications": load_settings(NotificationsSettings, {}, **common,
                                           database_url=self.database_urls["notifications"]),
        }
        factories = {"registry": registry_app, "referrals": referrals_app,
                     "notifications": notifications_app}
        self.apps = {name: factories[name](None, self.settings[name]) for name in SERVICES}
        self.clients = {name: app.test_client() for name, app in self.apps.items()}
        self.sessions = {name: app.extensions["relais.sessions"] for name, app in self.apps.items()}
        workers = {"registry": registry_worker, "referrals": referrals_worker,
                   "notifications": notifications_worker}
        self.processors = {name: EventProcessor(consumer=workers[name].QUEUE,
                                                session_factory=self.sessions[name],
                                                handlers=workers[name].HANDLERS)
                           for name in SERVICES}
        self._relayed = dict.fromkeys(SERVICES, 0)
        self.principals: dict[str, Principal] = {}
        self.ids: dict[str, str] = {}

    # -- plumbing ----------------------------------------------------------------------
    def pump(self) -> int:
        """Carry every new outbox event to its consumers until nothing is left to carry."""
        moved = total = 1
        while moved:
            moved = 0
            for source in SERVICES:
                with self.sessions[source]() as session:
                    rows = session.execute(select(outbox.c.seq, outbox.c.envelope)
                                           .where(outbox.c.seq > self._relayed[source])
                                           .order_by(outbox.c.seq)).all()
                for seq, envelope in rows:
                    for target in CONSUMERS[source]:
                        self.processors[target].process(json.loads(envelope))
                    self._relayed[source] = seq
                    moved += 1
            total += moved
        return total

    def headers(self, who: str | Principal, **extra) -> dict:
        principal = self.principals[who] if isinstance(who, str) else who
        token = self.issuer.issue(sub=principal.member_id, org=principal.organisation_id,
                                  roles=principal.roles)
        return {"Authorization": f"Bearer {token}", **extra}

    def call(self, service: str, method: str, path: str, who=None, **kwargs):
        headers = kwargs.pop("headers", {})
        if who is not None:
            headers = {**self.headers(who), **headers}
        return self.clients[service].open(path, method=method, headers=headers, **kwargs)

    def close(self) -> None:
        for app in self.apps.values():
            app.extensions["relais.engine"].dispose()
        self._exit.close()

    # -- the world ---------------------------------------------------------------------
    def build(self) -> World:
        with self.sessions["registry"].begin() as session:
            for loader in demo.LOADERS:
                loader(session, self.settings["registry"])
        self.principals["admin"] = Principal(str(uuid.uuid4()), None, ("admin",))
        organisations = self._organisations()
        for role, email in (("referrer", "medecin.cpts@example.org"),
                            ("handler", "agent.ccas@example.org"),
                            ("coordinator", "coordination.cls@example.org"),
                            ("admin", "admin@example.org")):
            member = self._member_by_email(email)
            self.principals[role] = Principal(member["id"], member["organisation_id"], (role,))
        for role, organisation in (("referrer", "MSP de La Possession"),
                                   ("handler", "CCAS de Créteil"),
                                   ("coordinator", "CCAS de Créteil")):
            member = self._create_member(organisations[organisation], role)
            self.principals[f"other_{role}"] = Principal(member["id"], member["organisation_id"],
                                                         (role,))
        contracts = self._json("registry", "GET", "/api/v1/contracts?limit=200")["items"]
        by_name = {c["name"]: c for c in contracts}
        possession, creteil = by_name["CLS de La Possession"], by_name["CLS de Créteil"]
        self._json("registry", "PATCH", f"/api/v1/contracts/{creteil['id']}", json={
            "coordinator_member_id": self.principals["other_coordinator"].member_id})
        self.ids.update(contract_id=possession["id"], other_contract_id=creteil["id"],
                        organisation_id=self.principals["handler"].organisation_id,
                        member_id=self.principals["referrer"].member_id)
        self._plan_ids(possession["id"])
        self.pump()
        self._referrals()
        self.pump()
        self._notifications()
        return self

    def _json(self, service, method, path, who="admin", expect=(200, 201), **kwargs):
        response = self.call(service, method, path, who, **kwargs)
        assert response.status_code in expect, (method, path, response.status_code,
                                                response.get_data(as_text=True))
        return response.get_json()

    def _organisations(self) -> dict[str, str]:
        items = self._json("registry", "GET", "/api/v1/organisations?limit=200")["items"]
        return {o["name"]: o["id"] for o in items}

    def _member_by_email(self, email: str) -> dict:
        items = self._json("registry", "GET", "/api/v1/members?limit=200")["items"]
        (member,) = [m for m in items if m.get("email") == email]
        return member

    def _create_member(self, organisation_id: str, role: str) -> dict:
        return self._json("registry", "POST", "/api/v1/members", json={
            "organisation_id": organisation_id, "display_name": f"Autre {role} (test)",
            "email": f"{role}-{uuid.uuid4().hex[:8]}@example.org", "roles": [role],
            "password": "un mot de passe de test assez long"})

    def _plan_ids(self, contract_id: str) -> None:
        base = f"/api/v1/contracts/{contract_id}"
        first = lambda path: self._json("registry", "GET", base + path)["items"][0]  # noqa: E731
        self.ids["rule_id"] = first("/routing-rules")["id"]
        self.ids["pathway_id"] = first("/pathways")["id"]
        self.ids["axis_id"] = first("/axes")["id"]
        actions = self._json("registry", "GET", base + "/actions?limit=200")["items"]
        (fiche,) = [a for a in actions if a["code"] == "2-5"]
        self.ids["action_id"] = fiche["id"]
        indicators = self._json("registry", "GET", f"/api/v1/actions/{fiche['id']}/indicators")
        self.ids["indicator_id"] = indicators["items"][0]["id"]
        self.ids["body_id"] = first("/bodies")["id"]
        self.ids["meeting_id"] = first("/meetings")["id"]

    def _referrals(self) -> None:
        referral = self._json("referrals", "POST", "/api/v1/referrals", "referrer",
                              json=intake())
        accepted = self._json("referrals", "POST",
                              f"/api/v1/referrals/{referral['id']}/transitions", "handler",
                              json={"action": "accept"},
                              headers={"If-Match": f'W/"{referral["version"]}"'})
        assert accepted["status"] == "accepted"
        for path in ("messages", "notes"):
            self._json("referrals", "POST", f"/api/v1/referrals/{referral['id']}/{path}",
                       "handler", json={"body": "Rendez-vous pris."})
        run = self._json("referrals", "POST", "/api/v1/referrals", "referrer", json=intake(
            need_category="physical_activity_prescription", pathway_id=self.ids["pathway_id"]))
        self.ids.update(referral_id=referral["id"], run_id=run["pathway_run_id"])

    def _notifications(self) -> None:
        inbox = self._json("notifications", "GET", "/api/v1/inbox", "referrer")["items"]
        self.ids["item_id"] = inbox[0]["id"]
        subscription = self._json("notifications", "POST", "/api/v1/webhooks", json={
            "organisation_id": self.principals["handler"].organisation_id,
            "url": "https://hooks.example.org/relais",
            "event_types": ["referrals.referral.submitted"]})
        self.ids["subscription_id"] = subscription["id"]
        self.pump()
        deliveries = self._json("notifications", "GET", "/api/v1/deliveries")["items"]
        self.ids["delivery_id"] = deliveries[0]["id"]
