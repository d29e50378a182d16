"""A service's worker process: its consumer, its retry loop and its outbox relay.

One process, two threads: the relay publishes what the service committed; the
consumer (main thread) applies what others published. SIGTERM or SIGINT stops
both cleanly: the message in hand is finished and acked, the rest stays queued.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from shared.db import make_engine, make_session_factory
from shared.logging import get_logger
from shared.messaging.consumer import EventConsumer, EventProcessor, Handler, RetryPolicy
from shared.messaging.relay import OutboxRelay
from shared.messaging.topology import TOPOLOGY, Topology, broker_connection
from shared.settings import ServiceSettings

log = get_logger(__name__)


@dataclass(frozen=True)
class PeriodicTask:
    """Work a worker does on a timer (expiring referrals, due deliveries, digests).

    `run(session_factory)` must be idempotent and safe to run in several worker
    processes at once (take rows with FOR UPDATE SKIP LOCKED or a unique key).
    """

    name: str
    every_seconds: float
    run: Callable[[sessionmaker[Session]], object]
    # Asked on shutdown to end a long run at its next safe point (the worker waits
    # 10 s for timers before it exits and cuts them wherever they are).
    stop: Callable[[], None] | None = None


def _run_periodically(task: PeriodicTask, session_factory, stopped: threading.Event) -> None:
    while not stopped.wait(task.every_seconds):
        try:
            task.run(session_factory)
        except Exception as exc:  # the next tick tries again; the loop must survive
            log.warning("worker.periodic_failed", task=task.name, error=type(exc).__name__)



def run_worker(
    settings: ServiceSettings,
    *,
    queue: str,
    handlers: Mapping[str, Handler],
    topology: Topology = TOPOLOGY,
    consumer_class: type[EventConsumer] = EventConsumer,
    periodic: Sequence[PeriodicTask] = (),
) -> None:
    engine = make_engine(settings.database_url)
    session_factory = make_session_factory(engine)

    def connect():
        return broker_connection(settings.redis_url,
                                 visibility_timeout=settings.broker_visibility_timeout,
                                 key_prefix=settings.broker_key_prefix)

    stopping: list = []  # what to stop, once it exists

    def stop(signum, _frame):
        log.info("worker.stopping", signal=signal.Signals(signum).name)
        if not stopping:
            raise SystemExit(0)  # still starting: nothing in hand, just leave
        for part in stopping:
            part.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    connection = connect()
    connection.ensure_connection(max_retries=None, interval_start=0.5, interval_max=5,
                                 callback=lambda *a: log.warning("worker.waiting_for_broker"))
    topology.declare(connection)

    relay = OutboxRelay(session_factory=session_factory, connection_factory=connect,
                        topology=topology)
    processor = EventProcessor(
        consumer=queue,
        session_factory=session_factory,
        handlers=handlers,
        retry_policy=RetryPolicy(max_attempts=settings.retry_max_attempts,
                                 base_delay=settings.retry_base_delay),
    )
    Path(settings.worker_heartbeat_file).parent.mkdir(parents=True, exist_ok=True)
    consumer = consumer_class(connection=connection, queue=topology.queue(queue),
                             processor=processor, heartbeat_file=settings.worker_heartbeat_file,
                             exchanges=tuple(topology.exchange(p) for p in topology.producers))

    stopping.extend([consumer, relay])
    relay_thread = threading.Thread(target=relay.run, name="outbox-relay", daemon=True)
    relay_thread.start()
    timers_stopped = threading.Event()
    timers = [threading.Thread(target=_run_periodically, name=task.name, daemon=True,
                               args=(task, session_factory, timers_stopped))
              for task in periodic]
    for timer in timers:
        timer.start()
    log.info("worker.started", queue=queue, handlers=sorted(handlers))
    try:
        consumer.run()
    finally:
        relay.stop()
        timers_stopped.set()
        for task in periodic:
            if task.stop is not None:
                task.stop()
        for thread in (relay_thread, *timers):
            thread.join(timeout=10)
        connection.release()
        engine.dispose()
        log.info("worker.stopped")


def heartbeat_is_fresh(path: str, max_age: float = 30.0) -> bool:
    """True when the worker touched its heartbeat file recently (container healthcheck)."""
    try:
        return time.time() - Path(path).stat().st_mtime < max_age
    except FileNotFoundError:
        return False
