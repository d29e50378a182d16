"""One consumer process of the event-throughput benchmark, draining a queue
pre-loaded with `count` messages; prints one JSON line: when the first message
started, when the `count`-th was done (time.time()).

    python -m bench.event_runner relais-notify|relais-insert|kombu QUEUE COUNT
    celery -A bench.event_runner:celery_app worker -P solo ...   (the Celery reference)

Environment: BENCH_DATABASE_URL (relais-*), BENCH_REDIS_URL, BENCH_KEY_PREFIX.
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from datetime import UTC, datetime

from kombu import Exchange, Queue
from kombu.mixins import ConsumerMixin
from sqlalchemy import Column, DateTime, MetaData, String, Table, Uuid, insert

EXCHANGE = Exchange("bench.events", type="direct", durable=True)

effects_metadata = MetaData()
# The "simple insert" effect: one row per event, in the handler's transaction.
bench_effects = Table(
    "bench_effects", effects_metadata,
    Column("id", Uuid, primary_key=True),
    Column("event_id", String(36), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


def bench_queue(name: str) -> Queue:
    return Queue(name, EXCHANGE, routing_key=name, durable=True)


def connection():
    from shared.messaging.topology import broker_connection

    return broker_connection(os.environ["BENCH_REDIS_URL"], visibility_timeout=300,
                             key_prefix=os.environ.get("BENCH_KEY_PREFIX", ""))


class Clock:
    def __init__(self, count: int):
        self.count, self.done, self.first, self.last = count, 0, None, None

    def started(self) -> None:
        if self.first is None:
            self.first = time.time()

    def finished(self, count: int = 1) -> bool:
        self.done += count
        if self.done >= self.count:
            self.last = time.time()
            return True
        return False

    def report(self) -> None:
        print(json.dumps({"first": self.first, "last": self.last, "done": self.done}),
              flush=True)


def insert_effect(session, event) -> None:
    session.execute(insert(bench_effects).values(
        id=uuid.uuid4(), event_id=event.id, created_at=datetime.now(UTC)))


def run_relais(mode: str, queue_name: str, count: int) -> None:
    from shared.db import make_engine, make_session_factory
    from shared.messaging.consumer import EventConsumer, EventProcessor

    if mode == "relais-notify":
        from services.notifications.worker import HANDLERS as handlers
    else:
        handlers = {"referrals.referral.submitted": insert_effect}
    engine = make_engine(os.environ["BENCH_DATABASE_URL"])
    clock = Clock(count)

    class Consumer(EventConsumer):
        def on_message(self, body, message):
            clock.started()
            super().on_message(body, message)

        def processed(self, count):  # after each batch's commit and acks
            if clock.finished(count):
                self.should_stop = True

    processor = EventProcessor(consumer=f"bench.{mode}", session_factory=make_session_factory(
        engine), handlers=handlers)
    Consumer(connection=connection(), queue=bench_queue(queue_name),
             processor=processor).run()
    clock.report()


def run_kombu(queue_name: str, count: int) -> None:
    clock = Clock(count)

    class Consumer(ConsumerMixin):
        def __init__(self, conn):
            self.connection = conn

        def get_consumers(self, Consumer, channel):  # noqa: N803  (kombu's signature)
            return [Consumer(queues=[bench_queue(queue_name)], callbacks=[self.on_message],
                             accept=["json"], prefetch_count=16)]

        def on_message(self, body, message):
            clock.started()
            message.ack()
            if clock.finished():
                self.should_stop = True

    Consumer(connection()).run()
    clock.report()


# -- the Celery reference ------------------------------------------------------------------
def make_celery(redis_url: str | None = None, prefix: str | None = None):
    from celery import Celery

    app = Celery("bench", broker=redis_url or os.environ["BENCH_REDIS_URL"])
    prefix = os.environ.get("BENCH_KEY_PREFIX", "") if prefix is None else prefix
    app.conf.update(
        broker_transport_options={"global_keyprefix": prefix, "visibility_timeout": 300},
        task_serializer="json", accept_content=["json"], task_ignore_result=True,
        worker_hijack_root_logger=False, worker_enable_remote_control=False,
        broker_connection_retry_on_startup=True,
    )
    state = {"done": 0}

    @app.task(name="bench.noop")
    def noop(envelope):  # the trivial task: nothing but being delivered and run
        count = int(os.environ["BENCH_COUNT"])
        if state["done"] == 0:
            _mark("first")
        state["done"] += 1
        if state["done"] == count:
            _mark("last")

    return app


def _mark(which: str) -> None:
    import redis

    client = redis.Redis.from_url(os.environ["BENCH_REDIS_URL"])
    client.set(f"{os.environ.get('BENCH_KEY_PREFIX', '')}bench:celery:{os.environ['BENCH_QUEUE']}"
               f":{which}", repr(time.time()))


celery_app = make_celery() if os.environ.get("BENCH_CELERY") else None


def main(argv: list[str]) -> None:
    mode, queue_name, count = argv[0], argv[1], int(argv[2])
    if mode.startswith("relais"):
        run_relais(mode, queue_name, count)
    elif mode == "kombu":
        run_kombu(queue_name, count)
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv[1:])
