"""The whole system under test: three gunicorn APIs and three workers as real
processes (tests/e2e/stack.py, composed), on a private PostgreSQL cluster and a
private Redis, sending e-mail to a real SMTP server and webhooks to a real HTTP
receiver, with the demo data loaded and short timers everywhere."""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import time

import redis
import requests
from sqlalchemy import func, select

from shared.db import make_engine
from shared.messaging.schema import outbox
from shared.messaging.topology import TOPOLOGY
from shared.testing.processes import ManagedProcess
from shared.testing.servers import PrivateRedis, wait_until
from tests.e2e.stack import SERVICES, LocalStack
from tests.faults.servers import Mailbox, PrivatePostgres, WebhookReceiver

PREFIX = "relais-faults:"
QUEUES = {"registry": "registry.indicators", "referrals": "referrals.read_models",
          "notifications": "notifications.dispatch"}
DEMO = {"referrer": ("medecin.cpts@example.org", "demo-medecin-relais"),
        "handler": ("agent.ccas@example.org", "demo-ccas-relais")}
WEBHOOK_TYPES = ["referrals.referral.submitted", "referrals.referral.accepted"]

# Short timers (the services' own settings), so that a fault heals in seconds.
FAST = {
    "RELAIS_BROKER_VISIBILITY_TIMEOUT": "3",  # a killed consumer's messages come back after 3 s
    "RELAIS_RETRY_MAX_ATTEMPTS": "3",
    "RELAIS_RETRY_BASE_DELAY": "0.2",
    "RELAIS_LOG_JSON": "true",
    "RELAIS_WEB_THREADS": "8",
}
FAST_NOTIFICATIONS = {
    "RELAIS_DISPATCH_EVERY_SECONDS": "0.2",
    "RELAIS_DELIVERY_BASE_DELAY": "0.5",
    "RELAIS_DELIVERY_MAX_DELAY": "2",
    # Never dead during a one-minute outage at most 2 s apart.
    "RELAIS_DELIVERY_MAX_ATTEMPTS": "1000",
    "RELAIS_DELIVERY_LEASE_SECONDS": "5",
    "RELAIS_SMTP_TIMEOUT": "5",
    "RELAIS_WEBHOOK_TIMEOUT": "2",
    "RELAIS_DIGEST_EVERY_SECONDS": "3600",
}


class FaultSystem:
    def __init__(self, *, postgres: PrivatePostgres, broker: PrivateRedis, mailbox: Mailbox,
                 receiver: WebhookReceiver, tmp_path):
        self.postgres, self.broker = postgres, broker
        self.mailbox, self.receiver = mailbox, receiver
        self.database_urls = {name: postgres.create_database(f"relais_{name}")
                              for name in SERVICES}
        self.stack = LocalStack(database_urls=self.database_urls, redis_url=broker.url,
                                prefix=PREFIX, tmp_path=tmp_path)
        for name in SERVICES:
            self.stack.env[name].update(FAST)
        self.stack.env["referrals"]["RELAIS_KEY_FILE"] = str(tmp_path / "referrals-keys.json")
        self.stack.env["notifications"].update(
            FAST_NOTIFICATIONS, RELAIS_SMTP_HOST="127.0.0.1",
            RELAIS_SMTP_PORT=str(mailbox.port), RELAIS_SMTP_FROM="relais@example.org")
        self.engines = {name: make_engine(url, pool_size=2, max_overflow=4)
                        for name, url in self.database_urls.items()}
        self.retired: list[ManagedProcess] = []
        self.people: dict[str, dict] = {}
        self.subscription_id: str | None = None

    # -- start -------------------------------------------------------------------------------
    def start(self) -> FaultSystem:
        self.stack.start()
        self.stack.cli("registry", "load-demo")
        self.wait_quiet(timeout=120, message="the demo data in every read model")
        for role in DEMO:
            token = self.sign_in(role)
            self.people[role] = claims(token["Authorization"].split()[1])
        admin = self.stack.token("admin", member="faults-admin")
        created = requests.post(f"{self.urls['notifications']}/api/v1/webhooks", headers=admin,
                                json={"organisation_id": self.people["handler"]["org"],
                                      "url": self.receiver.url, "event_types": WEBHOOK_TYPES},
                                timeout=10)
        assert created.status_code == 201, created.text
        self.subscription_id = created.json()["id"]
        return self

    @property
    def urls(self) -> dict[str, str]:
        return self.stack.urls

    def sign_in(self, role: str) -> dict[str, str]:
        email, password = DEMO[role]
        answer = requests.post(f"{self.urls['registry']}/api/v1/auth/token",
                               json={"email": email, "password": password}, timeout=10)
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    # -- processes ---------------------------------------------------------------------------
    def process(self, name: str) -> ManagedProcess:
        return next(p for p in self.stack.processes if p.name == name)

    def worker(self, service: str) -> ManagedProcess:
        return self.process(f"{service}-worker")

    def kill_worker(self, service: str) -> None:
        """SIGKILL: no cleanup, no ack, no mark, like an OOM kill."""
        self.worker(service).kill()

    def start_worker(self, service: str, *, wait: bool = True, env=None) -> ManagedProcess:
        """A new worker process in place of the previous one (stopped cleanly first, with
        SIGTERM, if still alive: a fault is only ever injected by kill_worker)."""
        old = self.worker(service)
        old.terminate()
        self.retired.append(old)
        new = ManagedProcess.python(f"services.{service}", "worker",
                                    env={**self.stack.env[service], **(env or {})},
                                    name=f"{service}-worker").start()
        self.stack.processes[self.stack.processes.index(old)] = new
        if wait:
            wait_until(lambda: "consumer.ready" in new.output() or not new.alive(), timeout=60,
                       message=f"{service} worker consuming")
            assert new.alive(), new.output()[-3000:]
        return new

    @contextlib.contextmanager
    def supervised(self):
        """Restart any worker that exits, as the deployment does (docker-compose
        `restart: unless-stopped`); yields the list of restarts, in order."""
        restarts: list[str] = []
        stopped = threading.Event()

        def watch():
            while not stopped.wait(0.2):
                for process in list(self.stack.processes):
                    if process.name.endswith("-worker") and not process.alive():
                        restarts.append(process.name)
                        self.start_worker(process.name.split("-")[0], wait=False)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            yield restarts
        finally:
            stopped.set()
            watcher.join(timeout=10)

    def dead_processes(self) -> list[ManagedProcess]:
        return [p for p in self.stack.processes if not p.alive()]

    def heal(self) -> list[str]:
        """Bring back whatever a previous test left broken; the names of what was dead."""
        if self.broker.process is None or self.broker.process.poll() is not None:
            self.broker.start()
        self.mailbox.failing = False
        if not self.receiver.up:
            self.receiver.start()
        dead = []
        for process in self.dead_processes():
            dead.append(process.name)
            print(f"--- {process.name} was dead ---\n{process.output()[-3000:]}")
            service = process.name.split("-")[0]
            if process.name.endswith("-worker"):
                self.start_worker(service)
            else:
                raise AssertionError(f"{process.name} died: {process.output()[-3000:]}")
        return dead

    def stop(self) -> None:
        self.stack.stop()
        for process in self.retired:
            process.cleanup()
        for engine in self.engines.values():
            engine.dispose()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name} ---\n{p.output()[-3000:]}" for p in self.stack.processes)

    # -- the broker and the outboxes ---------------------------------------------------------
    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.broker.url, socket_timeout=2, socket_connect_timeout=1)

    def broker_backlog(self) -> int | None:
        """Messages queued or unacked in every consumer queue (None while Redis is away)."""
        try:
            client = self.redis()
            total = client.hlen(f"{PREFIX}unacked")
            for queue in TOPOLOGY.subscriptions:
                for key in client.scan_iter(match=f"{PREFIX}{queue}*"):
                    total += client.llen(key)
            return total
        except redis.RedisError:
            return None

    def broker_state(self) -> dict:
        """Every key of the run's prefix with its size and time to live (diagnostics)."""
        client, state = self.redis(), {}
        for key in client.scan_iter(match=f"{PREFIX}*"):
            kind = client.type(key).decode()
            size = {"list": client.llen, "hash": client.hlen, "zset": client.zcard,
                    "set": client.scard}.get(kind, lambda _k: 1)(key)
            state[key.decode()] = (kind, size, client.ttl(key))
        return state

    def pending_outbox(self, *services: str) -> int | None:
        """Outbox rows not yet published (of `services`, default all)."""
        try:
            total = 0
            for engine in [self.engines[s] for s in services or SERVICES]:
                with engine.connect() as conn:
                    total += conn.execute(select(func.count()).select_from(outbox)
                                          .where(outbox.c.published_at.is_(None))).scalar_one()
            return total
        except Exception:  # the database is restarting: not quiet yet  # noqa: BLE001
            return None

    def quiet(self) -> bool:
        """Everything committed has been relayed, consumed and acked."""
        return self.pending_outbox() == 0 and self.broker_backlog() == 0

    def wait_quiet(self, *, timeout: float = 60, message: str = "the system quiet") -> None:
        wait_until(self.quiet, timeout=timeout, interval=0.2, message=message)

    def ready(self) -> bool:
        for url in self.urls.values():
            try:
                if requests.get(f"{url}/readyz", timeout=2).status_code != 200:
                    return False
            except requests.RequestException:
                return False
        return True

    @contextlib.contextmanager
    def table_locked(self, service: str, table: str, mode: str):
        """Hold `LOCK TABLE <table> IN <mode> MODE` in the service's database meanwhile:
        whoever needs a conflicting lock waits, without any change to the service."""
        with self.engines[service].connect() as conn:
            transaction = conn.begin()
            conn.exec_driver_sql(f"LOCK TABLE {table} IN {mode} MODE")
            try:
                yield
            finally:
                transaction.rollback()

    def waiting_on_lock(self, service: str, query_start: str) -> int:
        """Backends of the service's database waiting for a lock, running `query_start...`."""
        with self.engines[service].connect() as conn:
            return conn.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query ILIKE %(q)s",
                {"q": query_start + "%"}).scalar_one()

    def unacked(self) -> int:
        return self.redis().hlen(f"{PREFIX}unacked")

    def log_count(self, service: str, marker: str) -> int:
        return self.worker(service).output().count(marker)


def claims(token: str) -> dict:
    """A JWT's claims, unverified (the test's own token, to learn ids)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@contextlib.contextmanager
def timed(label: str):
    started = time.monotonic()
    yield
    print(f"[{label}] took {time.monotonic() - started:.1f}s")
