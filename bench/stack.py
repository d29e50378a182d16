"""The system under measurement, started the way `make run` starts it: migrations,
the registry's demo data, three gunicorn APIs and three workers as real processes
on free ports, against PostgreSQL and Redis.

Everything it creates is its own and removed at the end: PostgreSQL databases
named `relais_bench_<run>_<label>_<n>` (no other database is touched), a Redis key
prefix `relais-bench-<run>:`, a temporary folder (signing keys, logs).
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from shared.testing.processes import ROOT, ManagedProcess
from shared.testing.servers import (
    REDIS_URL,
    PostgresDatabases,
    check_redis,
    delete_prefixed_keys,
    free_port,
    wait_until,
)

SERVICES = ("registry", "referrals", "notifications")
# The same gunicorn settings for every API measured, Relais' and the references'.
WEB_WORKERS = "2"
WEB_THREADS = "4"
TOKEN_TTL = 4 * 3600


class SmtpSink:
    """An SMTP server that accepts and drops every e-mail (the dispatcher needs one)."""

    def __init__(self):
        self.port = free_port()
        self.process = ManagedProcess.python(
            "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}", "-c", "aiosmtpd.handlers.Sink",
            name="smtp-sink")

    def start(self) -> SmtpSink:
        self.process.start()
        return self


class BenchStack:
    def __init__(self, run_id: str | None = None, redis_url: str = REDIS_URL):
        check_redis(redis_url)
        self.run_id = run_id or uuid.uuid4().hex[:8]
        self.redis_url = redis_url
        self.prefix = f"relais-bench-{self.run_id}:"
        self.tmp = Path(tempfile.mkdtemp(prefix="relais-bench-"))
        self.databases = PostgresDatabases(prefix="relais_bench", run_id=self.run_id)
        self.processes: list[ManagedProcess] = []
        self.urls: dict[str, str] = {}
        self.env: dict[str, dict[str, str]] = {}
        self.database_urls: dict[str, str] = {}
        self.encryption_key = Fernet.generate_key().decode()
        self.blind_index_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
        self.smtp = SmtpSink()
        self.demo: dict[str, str] = {}

    # -- environment -------------------------------------------------------------
    def common_env(self) -> dict[str, str]:
        return {
            "RELAIS_REDIS_URL": self.redis_url,
            "RELAIS_BROKER_KEY_PREFIX": self.prefix,
            "RELAIS_JWKS_URL": f"{self.urls['registry']}/.well-known/jwks.json",
            "RELAIS_SIGNING_KEY_DIR": str(self.tmp / "keys"),
            "RELAIS_WEB_WORKERS": WEB_WORKERS,
            "RELAIS_WEB_THREADS": WEB_THREADS,
            "RELAIS_ENCRYPTION_KEYS": self.encryption_key,
            "RELAIS_BLIND_INDEX_KEY": self.blind_index_key,
            "RELAIS_SMTP_PORT": str(self.smtp.port),
        }

    def service_env(self, name: str, database_url: str, port: int) -> dict[str, str]:
        return {**self.common_env(), "RELAIS_DATABASE_URL": database_url,
                "RELAIS_BIND": f"127.0.0.1:{port}",
                "RELAIS_WORKER_HEARTBEAT_FILE": str(self.tmp / f"{name}.heartbeat")}

    def cli(self, service: str, *args: str, env: dict[str, str] | None = None) -> str:
        return subprocess.run(
            [sys.executable, "-m", f"services.{service}", *args], cwd=ROOT, check=True,
            env={**os.environ, **(env or self.env[service])}, capture_output=True, text=True,
        ).stdout.strip()

    # -- life cycle ----------------------------------------------------------------
    def start(self) -> BenchStack:
        self.smtp.start()
        self.processes.append(self.smtp.process)
        ports = {name: free_port() for name in SERVICES}
        self.urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        for name in SERVICES:
            self.database_urls[name] = self.databases.create(name)
            self.env[name] = self.service_env(name, self.database_urls[name], ports[name])
            self.cli(name, "migrate")
        self.cli("registry", "load-demo")
        for name in SERVICES:
            self.start_api(name, self.env[name])
            self.processes.append(ManagedProcess.python(
                f"services.{name}", "worker", env=self.env[name], name=f"{name}-worker").start())
        for name in SERVICES:
            wait_until(lambda n=name: ready(self.urls[n]), timeout=90, message=f"{name} ready")
        for process in self.processes:
            if process.name.endswith("-worker"):
                wait_until(lambda p=process: "consumer.ready" in p.output(), timeout=90,
                           message=f"{process.name} consuming")
        self._read_demo()
        self._wait_for_read_models()
        return self

    def start_api(self, name: str, env: dict[str, str], app: str | None = None,
                  config: str | None = None, label: str | None = None) -> ManagedProcess:
        gunicorn = [sys.executable, "-m", "gunicorn", "-c",
                    config or f"services/{name}/gunicorn.conf.py",
                    app or f"services.{name}.app:create_app()"]
        process = ManagedProcess(gunicorn, env=env, name=label or f"{name}-api").start()
        self.processes.append(process)
        return process

    def process(self, name: str) -> ManagedProcess:
        return next(p for p in self.processes if p.name == name)

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.terminate(timeout=20)
            process.cleanup()
        self.processes.clear()

    def cleanup(self) -> None:
        self.stop()
        try:
            self.databases.drop_all()
        finally:
            delete_prefixed_keys(self.redis_url, self.prefix)
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- demo data -----------------------------------------------------------------
    def _read_demo(self) -> None:
        """Ids of the demo accounts (the registry's own database, read directly)."""
        engine = create_engine(self.database_urls["registry"])
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT m.email, m.id, m.organisation_id FROM members m")).all()
            organisations = dict(conn.execute(text("SELECT name, id FROM organisations")).all())
        engine.dispose()
        by_email = {email: (str(mid), str(org)) for email, mid, org in rows}
        self.demo = {
            "referrer": by_email["medecin.cpts@example.org"][0],
            "referrer_org": by_email["medecin.cpts@example.org"][1],
            "handler": by_email["agent.ccas@example.org"][0],
            "handler_org": by_email["agent.ccas@example.org"][1],
            "ccas_org": str(organisations["CCAS de La Possession"]),
        }

    def _wait_for_read_models(self) -> None:
        """Routing (referrals) and members (notifications) arrive by events."""
        def count(service, sql):
            engine = create_engine(self.database_urls[service])
            try:
                with engine.connect() as conn:
                    return conn.execute(text(sql)).scalar()
            finally:
                engine.dispose()

        wait_until(lambda: count("referrals", "SELECT count(*) FROM routing_rules") > 0,
                   timeout=120, interval=0.5, message="routing rules in referrals")
        wait_until(lambda: count("notifications",
                                 "SELECT count(*) FROM member_directory WHERE id = "
                                 f"'{self.demo['handler']}'") == 1,
                   timeout=120, interval=0.5, message="the CCAS agent in notifications")
        # The registry's snapshot is fully relayed when its outbox is empty.
        wait_until(lambda: count("registry", "SELECT count(*) FROM outbox "
                                             "WHERE published_at IS NULL") == 0,
                   timeout=120, interval=0.5, message="the registry outbox drained")
        for queue in ("referrals.read_models", "notifications.dispatch"):
            wait_until(lambda q=queue: self.queue_depth(q) == 0, timeout=120, interval=0.5,
                       message=f"{queue} drained")
        time.sleep(1.0)

    def queue_depth(self, queue: str) -> int:
        import redis

        return redis.Redis.from_url(self.redis_url).llen(f"{self.prefix}{queue}")

    # -- tokens ----------------------------------------------------------------------
    def token(self, role: str, member: str, organisation: str) -> str:
        return self.cli("registry", "issue-token", "--member", member, "--organisation",
                        organisation, "--role", role, "--ttl", str(TOKEN_TTL))


def ready(url: str) -> bool:
    try:
        return requests.get(f"{url}/readyz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def wait_http(url: str, timeout: float = 60) -> None:
    def up():
        try:
            return requests.get(url, timeout=2).status_code < 500
        except requests.RequestException:
            return False

    wait_until(up, timeout=timeout, interval=0.1, message=url)
