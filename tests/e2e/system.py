"""The whole system as `make run` starts it, for the end-to-end scenarios.

Composes tests/e2e/stack.py's LocalStack (three gunicorn APIs and three workers on
free ports, fresh PostgreSQL databases, a Redis key prefix of its own) with what
`make run` adds: the demo data of the seeds (`python -m services.registry
load-demo`) and the demo accounts, signed in for real through
`POST /api/v1/auth/token`. The notifications worker sends its e-mails to a real
SMTP server (aiosmtpd) running in the test process.
"""

from __future__ import annotations

import email
import json
import time
from dataclasses import dataclass, field
from email import policy

import jwt
import requests
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, select

from services.registry.demo.directory import DEMO_ACCOUNTS
from shared.messaging.schema import outbox
from shared.testing.servers import free_port, wait_until
from tests.e2e.stack import SERVICES, LocalStack

# role -> (e-mail, password) of the demo accounts `load-demo` creates.
DEMO = {role: (address, password) for address, password, role, _org in DEMO_ACCOUNTS}
DEMO_ORGANISATION_OF = {role: org for _a, _p, role, org in DEMO_ACCOUNTS}
SMTP_FROM = "relais@example.org"


class Mailbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self):
        self.messages: list[dict] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        body = message.get_body(("plain",))
        self.messages.append({
            "to": list(envelope.rcpt_tos), "subject": str(message["Subject"]),
            "text": body.get_content() if body else "",
            "raw": envelope.content.decode("utf-8", "replace")})
        return "250 OK"

    def to(self, address: str) -> list[dict]:
        return [m for m in list(self.messages) if address in m["to"]]


@dataclass
class Account:
    """A signed-in member: its access token, and calls to any service as that member."""

    system: DemoSystem
    email: str
    token: str
    claims: dict = field(default_factory=dict)

    @property
    def member_id(self) -> str:
        return self.claims["sub"]

    @property
    def organisation_id(self) -> str:
        return self.claims["org"]

    def call(self, method: str, service: str, path: str, *, headers=None, **kwargs):
        headers = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        return requests.request(method, self.system.urls[service] + path, headers=headers,
                                timeout=10, **kwargs)

    def get(self, service: str, path: str, **kwargs):
        return self.call("GET", service, path, **kwargs)

    def post(self, service: str, path: str, **kwargs):
        return self.call("POST", service, path, **kwargs)


class Stopwatch:
    """Names and durations of a scenario's steps, printed at the end (pytest -s shows them)."""

    def __init__(self, title: str):
        self.title = title
        self.laps: list[tuple[str, float]] = []
        self._started = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps.append((name, now - self._started))
        self._started = now

    def report(self) -> str:
        width = max((len(n) for n, _ in self.laps), default=10)
        lines = [f"{self.title}:"] + [f"  {n:<{width}}  {s * 1000:8.1f} ms" for n, s in self.laps]
        lines.append(f"  {'total':<{width}}  {sum(s for _, s in self.laps) * 1000:8.1f} ms")
        return "\n".join(lines)


class DemoSystem:
    """Registry, referrals and notifications (APIs and workers), the demo data, an SMTP
    server; `sign_in(role)` signs a demo account in."""

    def __init__(self, *, database_urls: dict[str, str], redis_url: str, prefix: str,
                 tmp_path):
        self.database_urls = database_urls
        self.mailbox = Mailbox()
        self.smtp = Controller(self.mailbox, hostname="127.0.0.1", port=free_port())
        self.stack = LocalStack(
            database_urls=database_urls, redis_url=redis_url, prefix=prefix, tmp_path=tmp_path,
            extra_env={
                "referrals": {"RELAIS_KEY_FILE": str(tmp_path / "referrals-keys.json")},
                "notifications": {
                    "RELAIS_SMTP_HOST": "127.0.0.1", "RELAIS_SMTP_PORT": str(self.smtp.port),
                    "RELAIS_SMTP_FROM": SMTP_FROM, "RELAIS_SMTP_TIMEOUT": "5",
                    # Due deliveries are looked for this often (1 s by default).
                    "RELAIS_DISPATCH_EVERY_SECONDS": "0.2"},
            })

    @property
    def urls(self) -> dict[str, str]:
        return self.stack.urls

    def start(self) -> DemoSystem:
        self.smtp.start()
        self.stack.start()
        self.stack.cli("registry", "load-demo")
        wait_until(self._referrals_know_the_demo, timeout=60, interval=0.3,
                   message="the demo organisations in the referrals read model")
        return self

    def _referrals_know_the_demo(self) -> bool:
        page = requests.get(f"{self.urls['referrals']}/api/v1/directory/organisations",
                            params={"limit": 200}, headers=self.stack.token("handler"),
                            timeout=5).json()
        names = {o["name"] for o in page.get("items", [])}
        return {"CCAS de La Possession", "CPTS Ouest Réunion", "Maison Sport Santé Sakisoigne",
                "Service des sports de La Possession"} <= names

    def sign_in(self, role: str | None = None, *, email_address: str | None = None,
                password: str | None = None) -> Account:
        """Sign in through the registry's `POST /api/v1/auth/token` (a demo account by role,
        or any account by e-mail and password)."""
        if role is not None:
            email_address, password = DEMO[role]
        response = requests.post(f"{self.urls['registry']}/api/v1/auth/token",
                                 json={"email": email_address, "password": password}, timeout=10)
        assert response.status_code == 200, response.text
        token = response.json()["access_token"]
        return Account(self, email_address, token, _claims(token))

    def outbox_envelopes(self) -> dict[str, list[str]]:
        """Every envelope each service wrote to its outbox, as stored (JSON text)."""
        found = {}
        for name in SERVICES:
            engine = create_engine(self.database_urls[name])
            try:
                with engine.connect() as connection:
                    found[name] = [row if isinstance(row, str) else json.dumps(row)
                                   for row in connection.execute(select(outbox.c.envelope))
                                   .scalars()]
            finally:
                engine.dispose()
        return found

    def process_logs(self) -> dict[str, str]:
        return {process.name: process.output() for process in self.stack.processes}

    def logs(self, tail: int = 3000) -> str:
        return "\n".join(f"--- {name} ---\n{text[-tail:]}"
                         for name, text in self.process_logs().items())

    def stop(self) -> None:
        try:
            self.stack.stop()
        finally:
            self.smtp.stop()


def _claims(token: str) -> dict:
    """The token's claims, read without verification (the services verify it)."""
    return jwt.decode(token, options={"verify_signature": False})
