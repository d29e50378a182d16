"""A consumer whose database is unreachable keeps running and loses nothing: each
message goes back to its own queue (and to no other) until the database answers.
Real Redis; the database away is a PostgreSQL URL on a port nobody listens on."""

from __future__ import annotations

import threading
import time

import pytest
import redis
from kombu import Producer
from sqlalchemy import text

from shared.db import make_engine, make_session_factory
from shared.events import new_event, to_envelope
from shared.messaging.consumer import (
    EventConsumer,
    EventProcessor,
    Outcome,
    database_backoff,
    database_unreachable,
)
from shared.messaging.schema import event_retries
from shared.messaging.topology import Topology, broker_connection
from shared.testing.servers import free_port, wait_until
from tests.integration import messaging_app
from tests.integration.messaging_app import EVENT_TYPE

pytestmark = pytest.mark.integration

QUEUE = messaging_app.QUEUE
SIBLING = "relais_test.sibling"  # another service's queue bound to the same events
TOPOLOGY = Topology(producers=("relais_test",),
                    subscriptions={QUEUE: ("relais_test.#",), SIBLING: ("relais_test.#",)})


class Broker:
    """This test's key prefix on the shared Redis, seen from kombu and from redis-py."""

    def __init__(self, url: str, prefix: str):
        self.url, self.prefix = url, prefix
        self.client = redis.Redis.from_url(url)
        with self.connection() as connection:
            TOPOLOGY.declare(connection)

    def connection(self):
        return broker_connection(self.url, visibility_timeout=60, key_prefix=self.prefix)

    def publish(self, value: int) -> str:
        event = new_event(EVENT_TYPE, {"value": value})
        exchange = TOPOLOGY.exchange_for_type(EVENT_TYPE)
        with self.connection() as connection:
            Producer(connection).publish(to_envelope(event), exchange=exchange,
                                         routing_key=EVENT_TYPE, declare=[exchange],
                                         serializer="json", delivery_mode=2)
        return event.id

    def queued(self, queue: str) -> int:
        return self.client.llen(f"{self.prefix}{queue}")

    def unacked(self) -> int:
        return self.client.hlen(f"{self.prefix}unacked")


class Running:
    """A consumer's run() in a thread, with what it raised, if anything."""

    def __init__(self, consumer: EventConsumer):
        self.consumer, self.error = consumer, None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            self.consumer.run()
        except BaseException as exc:  # the test asserts there was none
            self.error = exc

    def stop(self, timeout: float = 10) -> float:
        started = time.monotonic()
        self.consumer.stop()
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the consumer did not stop"
        assert self.error is None, f"the consumer raised {self.error!r}"
        return time.monotonic() - started


class CountingProcessor(EventProcessor):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.attempts = 0

    def process_batch(self, bodies):
        self.attempts += len(bodies)
        return super().process_batch(bodies)


@pytest.fixture
def broker(redis_url, broker_prefix):
    broker = Broker(redis_url, broker_prefix)
    yield broker
    broker.client.close()


@pytest.fixture
def away():
    """Sessions on a PostgreSQL that is not there (connection refused at once)."""
    engine = make_engine(f"postgresql+psycopg://root@127.0.0.1:{free_port()}/relais")
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def sessions(postgres_url):
    engine = make_engine(postgres_url)
    messaging_app.create_schema(engine)
    yield make_session_factory(engine)
    engine.dispose()


def consumer(broker, session_factory, handler=messaging_app.record_effect, backoff=0.05):
    processor = CountingProcessor(consumer=QUEUE, session_factory=session_factory,
                                  handlers={EVENT_TYPE: handler})
    return EventConsumer(connection=broker.connection(), queue=TOPOLOGY.queue(QUEUE),
                         processor=processor, exchanges=(TOPOLOGY.exchange("relais_test"),),
                         backoff=lambda _failures: backoff)


def test_the_backoff_doubles_up_to_ten_seconds():
    assert [database_backoff(n) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]


def test_a_consumer_requeues_while_the_database_is_away_then_a_working_one_consumes(
        broker, away, sessions):
    broker.publish(1)
    assert broker.queued(QUEUE) == broker.queued(SIBLING) == 1

    stranded = Running(consumer(broker, away))
    wait_until(lambda: stranded.consumer.processor.attempts >= 3, timeout=30,
               message="the message redelivered to the consumer, twice")
    stranded.stop()
    # Back in its own queue, once; the sibling queue got no copy of it.
    assert (broker.queued(QUEUE), broker.unacked(), broker.queued(SIBLING)) == (1, 0, 1)

    working = Running(consumer(broker, sessions))
    wait_until(lambda: messaging_app.effect_counts(sessions) == (1, 1), timeout=30,
               message="the effect, once the database answers")
    wait_until(lambda: broker.queued(QUEUE) == 0 and broker.unacked() == 0, timeout=10,
               message="the message acked")
    working.stop()
    assert messaging_app.effect_counts(sessions) == (1, 1)
    assert working.consumer.processor.attempts == 1


def test_stop_cuts_the_backoff_short_and_gives_the_message_back(broker, away):
    broker.publish(1)
    stranded = Running(consumer(broker, away, backoff=60))
    wait_until(lambda: stranded.consumer.processor.attempts == 1 and broker.unacked() == 1,
               timeout=30, message="the message in hand, the consumer waiting")
    assert stranded.stop() < 5
    assert (broker.queued(QUEUE), broker.unacked()) == (1, 0)


def test_a_failing_handler_still_schedules_a_retry_and_the_message_is_acked(broker, sessions):
    def failing(session, event):
        raise RuntimeError("a partner is away")

    broker.publish(1)
    running = Running(consumer(broker, sessions, handler=failing))
    wait_until(lambda: broker.queued(QUEUE) == 0 and broker.unacked() == 0, timeout=30,
               message="the message acked")
    running.stop()
    with sessions() as session:
        assert session.execute(text(f"SELECT count(*) FROM {event_retries.name}")).scalar() == 1


def test_a_statement_timeout_is_a_handler_failure_not_the_database_away(sessions):
    def slow(session, event):
        session.execute(text("SET LOCAL statement_timeout = 10"))
        session.execute(text("SELECT pg_sleep(1)"))

    processor = EventProcessor(consumer=QUEUE, session_factory=sessions,
                               handlers={EVENT_TYPE: slow})
    body = to_envelope(new_event(EVENT_TYPE, {"value": 1}))
    assert processor.process(body) is Outcome.RETRY_SCHEDULED


def test_the_database_away_is_recognised(away):
    with pytest.raises(Exception) as raised, away() as session:
        session.execute(text("SELECT 1"))
    assert database_unreachable(raised.value)
    assert not database_unreachable(RuntimeError("a handler's own failure"))
