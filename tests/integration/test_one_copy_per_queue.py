"""Each queue subscribed to an event gets its own copy, with its own delivery tag.

kombu's Redis transport gives every copy of one exchange publish the same delivery
tag and keeps one `unacked` hash, keyed by tag, for all queues: one queue's ack used
to erase another queue's unacked record, and that copy was lost when its consumer
died (one event per SIGKILLed worker in the fault suite). The relay now sends one
copy per queue (shared/messaging/topology.py)."""

import time

import pytest

from shared.db import make_engine, make_session_factory
from shared.events import new_event
from shared.messaging.outbox import publish
from shared.messaging.relay import OutboxRelay
from shared.messaging.topology import Topology, broker_connection
from tests.integration import messaging_app
from tests.integration.messaging_app import EVENT_TYPE

pytestmark = pytest.mark.integration

FIRST, SECOND = "relais_test.first", "relais_test.second"
TOPOLOGY = Topology(producers=("relais_test",),
                    subscriptions={FIRST: ("relais_test.#",), SECOND: ("relais_test.*.recorded",)})


def test_one_queue_acking_its_copy_leaves_the_other_copy_restorable(postgres_url, redis_url,
                                                                    broker_prefix):
    engine = make_engine(postgres_url)
    messaging_app.create_schema(engine)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        publish(session, new_event(EVENT_TYPE, {"value": 1}))

    def connect():
        return broker_connection(redis_url, visibility_timeout=1, key_prefix=broker_prefix)

    with connect() as connection:
        TOPOLOGY.declare(connection)
    assert OutboxRelay(session_factory=sessions, connection_factory=connect,
                       topology=TOPOLOGY).relay_batch() == 1

    first, second = connect(), connect()
    try:
        mine = TOPOLOGY.queue(FIRST)(first.channel()).get(no_ack=False)
        held = TOPOLOGY.queue(SECOND)(second.channel()).get(no_ack=False)
        assert mine.payload["id"] == held.payload["id"]
        assert mine.delivery_tag != held.delivery_tag
        mine.ack()
        # `second`'s consumer dies holding its copy (never acked, never closed); after
        # the visibility timeout any consumer restores it, to its own queue only.
        time.sleep(1.5)
        with connect() as rescuer:
            channel = rescuer.channel()
            channel.qos.restore_visible(num=100)
            again = TOPOLOGY.queue(SECOND)(channel).get(no_ack=True)
            assert again is not None and again.payload["id"] == held.payload["id"]
            assert TOPOLOGY.queue(FIRST)(channel).get(no_ack=True) is None, "no copy twice"
    finally:
        first.release()
        second.release()
        engine.dispose()
