"""The outbox: no dual write, and relays that never publish a row twice."""

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from shared.messaging.relay import OutboxRelay
from shared.messaging.schema import outbox
from tests.integration import messaging_app
from tests.integration.conftest import MessagingRig
from tests.integration.test_messaging_reliability import _drain_queue_ids

pytestmark = pytest.mark.integration


@pytest.fixture
def any_rig(any_database_url, redis_url, broker_prefix):
    rig = MessagingRig(any_database_url, redis_url, broker_prefix)
    yield rig
    rig.engine.dispose()


def relay(rig, batch_size=20):
    return OutboxRelay(session_factory=rig.session_factory, connection_factory=rig.connection,
                       topology=messaging_app.TOPOLOGY, batch_size=batch_size)


def test_a_rolled_back_transaction_publishes_nothing(any_rig):
    with pytest.raises(RuntimeError), any_rig.session_factory.begin() as session:
        from shared.events import new_event
        from shared.messaging.outbox import publish
        publish(session, new_event(messaging_app.EVENT_TYPE, {"value": 1}))
        raise RuntimeError("the state change failed")
    with any_rig.session_factory() as session:
        assert session.execute(select(func.count()).select_from(outbox)).scalar_one() == 0


def test_concurrent_relays_publish_each_row_once_in_order(any_rig):
    ids = any_rig.produce(range(300))
    relays = [relay(any_rig) for _ in range(3)]

    def drain(r):
        while r.relay_batch():
            pass
        r._drop_broker()

    threads = [threading.Thread(target=drain, args=(r,)) for r in relays]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    published = _drain_queue_ids(any_rig)
    assert Counter(published) == Counter(ids), "each row published exactly once"
    assert any_rig.pending() == 0


def test_a_single_relay_keeps_the_commit_order(any_rig):
    ids = any_rig.produce(range(50))
    r = relay(any_rig, batch_size=7)
    while r.relay_batch():
        pass
    r._drop_broker()
    assert _drain_queue_ids(any_rig) == ids


def test_one_notify_per_transaction_or_savepoint_and_a_rolled_back_one_is_redone(rig):
    """The relay's wake-up costs one NOTIFY per transaction, not one per event; a NOTIFY
    inside a savepoint rolled back is gone, so the next event in the transaction sends it
    again (a batch of events commits once with a savepoint each)."""
    from sqlalchemy import event as sa_event

    from shared.events import new_event
    from shared.messaging.outbox import publish

    notifies = []
    engine = rig.session_factory.kw["bind"]
    sa_event.listen(engine, "before_cursor_execute",
                    lambda _c, _cur, statement, *_a: notifies.append(statement)
                    if statement.startswith("NOTIFY") else None)

    def event():
        return new_event(messaging_app.EVENT_TYPE, {"value": 1})

    with rig.session_factory.begin() as session:
        for _ in range(3):
            publish(session, event())
    assert len(notifies) == 1
    with rig.session_factory.begin() as session:
        try:
            with session.begin_nested():
                publish(session, event())
                raise RuntimeError("this event's handler fails")
        except RuntimeError:
            pass
        with session.begin_nested():
            publish(session, event())
            publish(session, event())
    assert len(notifies) == 3
