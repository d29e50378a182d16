"""Real servers for tests: the machine's PostgreSQL and Redis, used without
disturbing anyone, and private Redis servers for tests that stop or kill one."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_URL = os.environ.get(
    "RELAIS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("RELAIS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

START_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
START_REDIS = ("redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' "
               "--appendonly no --dir /var/lib/redis")


class ServerUnavailable(RuntimeError):
    pass


def wait_until(predicate: Callable[[], object], *, timeout: float = 30.0,
               interval: float = 0.05, message: str = "condition") -> object:
    """Poll `predicate` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresDatabases:
    """Creates throw-away databases on the shared server and drops them afterwards."""

    def __init__(self, admin_url: str = POSTGRES_URL, *, prefix: str = "relais_test",
                 run_id: str | None = None):
        self.admin_url = admin_url
        self.prefix = prefix
        self.run_id = run_id or uuid.uuid4().hex[:8]
        self.created: list[str] = []
        try:
            self.engine = create_engine(admin_url, isolation_level="AUTOCOMMIT",
                                        connect_args={"connect_timeout": 3})
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:
            raise ServerUnavailable(
                f"PostgreSQL is unreachable at {make_url(admin_url).render_as_string()} "
                f"({type(exc).__name__}: {exc}). Start it with: {START_POSTGRES} "
                "or set RELAIS_TEST_POSTGRES_URL.") from None

    def create(self, label: str = "db") -> str:
        name = f"{self.prefix}_{self.run_id}_{label}_{len(self.created)}"
        with self.engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self.engine.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.created.clear()
        self.engine.dispose()


def check_redis(url: str = REDIS_URL) -> None:
    try:
        redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        raise ServerUnavailable(
            f"Redis is unreachable at {url} ({exc}). Start it with: {START_REDIS} "
            "or set RELAIS_TEST_REDIS_URL.") from None


def delete_prefixed_keys(url: str, prefix: str) -> int:
    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)
    return len(keys)


class PrivateRedis:
    """A redis-server of the test's own, on a free port in a temporary folder,
    with AOF on: a test may stop, kill and restart it."""

    def __init__(self):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="relais-redis-"))
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServerUnavailable("redis-server is not installed (apt-get install redis-server)")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
             "--appendonly", "yes", "--appendfsync", "always", "--save", ""],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        wait_until(lambda: _pings(client), timeout=10, message=f"redis on port {self.port}")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
