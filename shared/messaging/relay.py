"""The outbox relay: publishes committed outbox rows to the broker and marks them sent.

At-least-once: a crash between publish and commit re-sends the batch, which the
idempotent consumers absorb. Two relays never send the same batch: rows are
taken with FOR UPDATE SKIP LOCKED on PostgreSQL, and SQLite serialises writers
(BEGIN IMMEDIATE, see shared.db).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from kombu import Connection
from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from shared.logging import get_logger
from shared.messaging.outbox import NOTIFY_CHANNEL
from shared.messaging.schema import outbox
from shared.messaging.topology import Topology

log = get_logger(__name__)


class OutboxRelay:
    def __init__(
        self,
        *,
        session_factory: sessionmaker[Session],
        connection_factory: Callable[[], Connection],
        topology: Topology,
        batch_size: int = 200,
        poll_interval: float = 1.0,
        retention: timedelta = timedelta(days=7),
    ):
        self.session_factory = session_factory
        self.connection_factory = connection_factory
        self.topology = topology
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.retention = retention
        self.stopped = threading.Event()
        self._connection: Connection | None = None

    # -- one batch -----------------------------------------------------------
    def relay_batch(self) -> int:
        """Publish one batch of pending rows in sequence order; return how many were sent."""
        with self.session_factory.begin() as session:
            rows = session.execute(
                select(outbox.c.seq, outbox.c.routing_key, outbox.c.envelope)
                .where(outbox.c.published_at.is_(None))
                .order_by(outbox.c.seq)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                return 0
            producer = self._broker().Producer(serializer="json")
            for row in rows:
                envelope = json.loads(row.envelope)
                # One copy per subscribed queue (see topology.py: why not the exchange).
                for queue in self.topology.queues_for(row.routing_key):
                    producer.publish(
                        envelope,
                        exchange="",
                        routing_key=queue,
                        delivery_mode=2,
                        headers={"event_id": envelope["id"], "event_type": row.routing_key},
                        retry=True,
                        retry_policy={"max_retries": 2, "interval_start": 0.2,
                                      "interval_step": 0.5},
                    )
            session.execute(
                update(outbox)
                .where(outbox.c.seq.in_([row.seq for row in rows]))
                .values(published_at=datetime.now(UTC))
            )
        return len(rows)

    def prune(self) -> int:
        """Delete rows sent longer ago than the retention (kept until then for re-publishing)."""
        cutoff = datetime.now(UTC) - self.retention
        with self.session_factory.begin() as session:
            return session.execute(
                delete(outbox).where(outbox.c.published_at < cutoff)
            ).rowcount

    def pending_count(self) -> int:
        with self.session_factory() as session:
            return session.execute(
                select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
            ).scalar_one()

    # -- the loop --------------------------------------------------------------
    def run(self) -> None:
        """Relay until `stop()`; wait for a NOTIFY (PostgreSQL) or poll when idle;
        back off while the broker is away (rows wait in the outbox)."""
        waiter = _change_waiter(self.session_factory.kw["bind"], self.poll_interval)
        backoff = 0.2
        last_prune = 0.0
        log.info("relay.started")
        try:
            while not self.stopped.is_set():
                try:
                    sent = self.relay_batch()
                    backoff = 0.2
                except Exception as exc:  # broker or database away: retry later
                    log.warning("relay.publish_failed", error=type(exc).__name__, retry_in=backoff)
                    self._drop_broker()
                    self.stopped.wait(backoff)
                    backoff = min(backoff * 2, 10.0)
                    continue
                if sent:
                    log.debug("relay.sent", count=sent)
                    continue  # more may be waiting
                if time.monotonic() - last_prune > 3600:
                    last_prune = time.monotonic()
                    try:
                        self.prune()
                    except Exception as exc:  # database away: prune next hour; keep relaying
                        log.warning("relay.prune_failed", error=type(exc).__name__)
                waiter(self.stopped)
        finally:
            self._drop_broker()
            log.info("relay.stopped")

    def stop(self) -> None:
        self.stopped.set()

    def _broker(self) -> Connection:
        if self._connection is None:
            self._connection = self.connection_factory()
            self._connection.ensure_connection(max_retries=1)
        return self._connection

    def _drop_broker(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):  # already broken: nothing to release
                self._connection.release()
            self._connection = None


def _change_waiter(engine: Engine, poll_interval: float) -> Callable[[threading.Event], None]:
    """A function that returns when the outbox may have new rows."""
    if engine.dialect.name != "postgresql":
        return lambda stopped: stopped.wait(min(poll_interval, 0.2))

    import psycopg

    url = make_url(engine.url).set(drivername="postgresql")
    conninfo = url.render_as_string(hide_password=False)
    state: dict[str, psycopg.Connection | None] = {"conn": None}

    def wait(stopped: threading.Event) -> None:
        try:
            if state["conn"] is None:
                state["conn"] = psycopg.connect(conninfo, autocommit=True)
                state["conn"].execute(f"LISTEN {NOTIFY_CHANNEL}")
            for _ in state["conn"].notifies(timeout=poll_interval, stop_after=1):
                pass
        except psycopg.Error:
            state["conn"] = None
            stopped.wait(poll_interval)

    return wait
