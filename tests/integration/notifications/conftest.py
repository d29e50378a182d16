"""A notifications service on real PostgreSQL, a real SMTP server (aiosmtpd) and a
real HTTP receiver, each in the test process on a free port, with a test clock."""

from __future__ import annotations

import email
import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from services.notifications import notify, worker
from services.notifications.dispatch import Dispatcher
from services.notifications.settings import NotificationsSettings
from shared.db import make_engine, make_session_factory
from shared.events import new_event, parse_event, to_envelope
from shared.messaging.consumer import EventProcessor
from shared.migrations import upgrade
from shared.settings import load_settings
from shared.testing.servers import free_port

MIGRATIONS = Path("services/notifications/migrations")
PORTAL = "https://relais.example.org"


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


class Mailbox:
    """An aiosmtpd handler keeping what it receives; it can answer 451 for a while."""

    def __init__(self):
        self.messages: list = []
        self.refuse_next = 0
        self.refused = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        if self.refuse_next:
            self.refuse_next -= 1
            self.refused += 1
            return "451 4.3.0 Temporary failure, try again later"
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append({
            "to": envelope.rcpt_tos, "subject": str(message["Subject"]),
            "message_id": str(message["Message-ID"]),
            "text": message.get_body(("plain",)).get_content(),
            "html": message.get_body(("html",)).get_content(),
            "raw": envelope.content.decode("utf-8", "replace")})
        return "250 OK"

    def to(self, address: str) -> list[dict]:
        return [m for m in self.messages if address in m["to"]]


class Receiver:
    """A webhook endpoint over real HTTP; start() and stop() on a fixed port."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hooks/relais"
        self.requests: list = []
        self.server = None

    def start(self) -> Receiver:
        received = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append({"headers": dict(self.headers), "body": body,
                                 "json": json.loads(body)})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


class Rig:
    def __init__(self, database_url: str, smtp_port: int, **overrides):
        upgrade(MIGRATIONS, database_url)
        self.engine = make_engine(database_url)
        self.sessions = make_session_factory(self.engine)
        self.clock = Clock(datetime(2027, 3, 10, 9, 0, tzinfo=UTC))  # 10:00 in Paris
        self.settings = load_settings(
            NotificationsSettings, {}, database_url=database_url, smtp_host="127.0.0.1",
            smtp_port=smtp_port, smtp_from="relais@example.org", smtp_timeout=5.0,
            portal_url=PORTAL, delivery_max_attempts=4, delivery_base_delay=60.0,
            delivery_max_delay=3600.0, webhook_timeout=2.0, digest_hour=8, log_json=False,
            **overrides)
        handlers = {**worker.HANDLERS, **notify.handlers(self.clock)}
        self.processor = EventProcessor(consumer=worker.QUEUE, session_factory=self.sessions,
                                        handlers=handlers, clock=self.clock)
        self.dispatcher = Dispatcher(self.settings, clock=self.clock)

    def receive(self, type_: str, data: dict, *, event_id: str | None = None):
        """Deliver an event as the consumer would get it off the wire."""
        envelope = to_envelope(new_event(type_, data))
        if event_id:
            envelope["id"] = event_id
        return envelope, self.processor.process(json.loads(json.dumps(envelope)))

    def redeliver(self, envelope: dict):
        return self.processor.process(json.loads(json.dumps(envelope)))

    def dispatch(self) -> int:
        return self.dispatcher.send_due(self.sessions)

    def drain(self) -> int:
        total = 0
        while sent := self.dispatch():
            total += sent
        return total

    def parsed(self, envelope):
        return parse_event(envelope)


@pytest.fixture
def mailbox():
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


@pytest.fixture
def receiver():
    endpoint = Receiver()
    yield endpoint
    endpoint.stop()


@pytest.fixture
def rig(postgres_url, mailbox):
    rig = Rig(postgres_url, mailbox.port)
    yield rig
    rig.engine.dispose()


class People:
    """A small registry: a CPTS referrer, a CCAS with two handlers (one inactive), a
    coordinator, sent to the rig as registry events (its read models learn them)."""

    def __init__(self, rig: Rig):
        self.cpts, self.ccas, self.contract = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        self.referrer, self.coordinator = uuid.uuid4(), uuid.uuid4()
        self.handler, self.handler2, self.retired = sorted(uuid.uuid4() for _ in range(3))
        for org, name, kind in [(self.cpts, "CPTS Ouest Réunion", "cpts"),
                                (self.ccas, "CCAS de La Possession", "ccas")]:
            rig.receive("registry.organisation.created", {
                "id": org, "version": 1, "name": name, "kind": kind, "active": True})
        for member, org, roles, name, active in [
            (self.referrer, self.cpts, ["referrer"], "Docteur Alice Bernard", True),
            (self.handler, self.ccas, ["handler"], "Camille Martin", True),
            (self.handler2, self.ccas, ["handler", "admin"], "Sam Leroy", True),
            (self.retired, self.ccas, ["handler"], "Paul Ancien", False),
            (self.coordinator, self.ccas, ["coordinator"], "Zoé Coordinatrice", True),
        ]:
            rig.receive("registry.member.created", {
                "id": member, "version": 1, "organisation_id": org, "roles": roles,
                "active": active, "email": self.email(member), "display_name": name})
        rig.receive("registry.contract.created", {
            "id": self.contract, "version": 1, "name": "CLS de La Possession",
            "status": "active", "communes": ["97408"],
            "coordinator_member_id": self.coordinator})
        rig.receive("registry.need_category.created", {
            "id": uuid.uuid4(), "version": 1, "code": "housing", "label": "Logement",
            "active": True})
        self.names = ["Docteur Alice Bernard", "Alice", "Bernard", "Camille Martin", "Camille",
                      "Sam Leroy", "Leroy", "Paul Ancien", "Zoé", "Coordinatrice"]

    @staticmethod
    def email(member) -> str:
        return f"m-{str(member)[:8]}@example.org"

    def referral(self, **changes) -> dict:
        data = {"id": uuid.uuid4(), "version": 1, "contract_id": self.contract,
                "beneficiary_id": uuid.uuid4(), "need_category": "housing", "commune": "97408",
                "urgency": "normal", "status": "requested",
                "referrer_member_id": self.referrer, "referrer_organisation_id": self.cpts,
                "receiving_organisation_id": self.ccas, "assignee_member_id": None,
                "actor_member_id": None, "occurred_at": datetime(2027, 3, 10, 9, tzinfo=UTC)}
        return {**data, **changes}


@pytest.fixture
def people(rig):
    return People(rig)
