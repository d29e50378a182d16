"""Readiness checks for ``/readyz``: callables that return quietly or raise."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import redis
from sqlalchemy import text


def database_check(engine, timeout_seconds: float = 2.0) -> Callable[[], None]:
    """Check that ``engine`` (a SQLAlchemy Engine) answers ``SELECT 1`` in time.

    The probe runs in a helper thread so a hung connection cannot hold the (sync gunicorn)
    worker longer than ``timeout_seconds``; the driver's own timeouts end the thread.
    """

    def select_one() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def check() -> None:
        _run_with_timeout(select_one, timeout_seconds)

    return check


def redis_check(redis_url: str, **redis_kwargs: Any) -> Callable[[], None]:
    """Check that the Redis at ``redis_url`` answers PING (1 s socket timeouts by default)."""
    options = {"socket_connect_timeout": 1.0, "socket_timeout": 1.0, **redis_kwargs}
    # One client (and its connection pool) for the life of the app, not one per probe.
    client = redis.Redis.from_url(redis_url, **options)

    def check() -> None:
        client.ping()

    return check


def _run_with_timeout(work: Callable[[], None], timeout_seconds: float) -> None:
    outcome: dict[str, BaseException] = {}

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # handed back to the caller below
            outcome["error"] = exc

    thread = threading.Thread(target=run, name="readiness-check", daemon=True)
    thread.start()
    thread.join(timeout_seconds)
    if thread.is_alive():
        raise TimeoutError(f"readiness check exceeded {timeout_seconds} s")
    if "error" in outcome:
        raise outcome["error"]
