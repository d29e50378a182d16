"""Proof that messaging loses nothing and duplicates no effect, counted on real
PostgreSQL and Redis, with real worker processes killed and servers stopped."""

import json
from collections import Counter

import pytest

from shared.messaging.relay import OutboxRelay
from shared.testing.servers import wait_until
from tests.integration import messaging_app

pytestmark = pytest.mark.integration


def relay_all(rig) -> int:
    relay = OutboxRelay(session_factory=rig.session_factory, connection_factory=rig.connection,
                        topology=messaging_app.TOPOLOGY, batch_size=500)
    sent = 0
    while count := relay.relay_batch():
        sent += count
    relay._drop_broker()
    return sent


def report(title, sent, rows, distinct):
    print(f"\n[{title}] sent={sent} received={distinct} lost={sent - distinct} "
          f"duplicated_effects={rows - distinct}")


def test_sigkill_consumer_with_1000_events_in_flight(rig, processes):
    sent = len(rig.produce(range(1000)))
    assert relay_all(rig) == sent

    env = rig.env(TEST_HANDLER_DELAY="0.01")
    first = processes("worker", env=env, name="consumer-1")
    wait_until(lambda: rig.effects()[1] >= 150, timeout=60, message="first effects")
    first.kill()
    rows_at_kill, _ = rig.effects()
    assert rows_at_kill < sent, "the consumer was killed with events still in flight"

    processes("worker", env=env, name="consumer-2")
    wait_until(lambda: rig.effects()[1] == sent, timeout=120, message="every event's effect")
    # Let the killed consumer's unacked messages come back (visibility timeout 3 s)
    # and be recognised as duplicates.
    wait_until(lambda: _unacked(rig) == 0 and _queue_length(rig) == 0, timeout=60,
               message="queue drained and nothing unacked")
    rows, distinct = rig.effects()
    report("sigkill consumer", sent, rows, distinct)
    assert (rows, distinct) == (sent, sent)


def test_crash_after_effect_before_ack_is_redelivered_and_skipped(rig, processes):
    ids = rig.produce(range(10))
    relay_all(rig)
    crashing = processes("worker", env=rig.env(TEST_CRASH_AFTER_EFFECT_OF=5), name="crashing")
    wait_until(lambda: not crashing.alive(), timeout=30, message="the crash")
    assert "crashing before ack of value 5" in crashing.output()

    survivor = processes("worker", env=rig.env(), name="survivor")
    wait_until(lambda: rig.effects()[1] == 10, timeout=60, message="all effects")
    wait_until(lambda: "consumer.duplicate_skipped" in survivor.output(), timeout=30,
               message="the crashed message redelivered and recognised")
    rows, distinct = rig.effects()
    report("crash before ack", len(ids), rows, distinct)
    assert (rows, distinct) == (10, 10)


def test_redis_stopped_while_producing_loses_nothing(postgres_url, private_redis, processes):
    from tests.integration.conftest import MessagingRig

    rig = MessagingRig(postgres_url, private_redis.url, "")
    queued = rig.produce(range(100))
    assert relay_all(rig) == 100  # in the broker, nobody consuming yet
    private_redis.stop()  # a broker restart: AOF keeps the queued messages

    produced_while_down = rig.produce(range(100, 200))
    assert rig.pending() == 100, "producers keep committing to the outbox while Redis is down"

    worker = processes("worker", env=rig.env(), name="worker")
    wait_until(lambda: "worker.waiting_for_broker" in worker.output(), timeout=30,
               message="the worker noticing Redis is away")
    private_redis.start()
    sent = len(queued) + len(produced_while_down)
    wait_until(lambda: rig.effects()[1] == sent, timeout=90, message="every event after restart")
    assert rig.pending() == 0
    rows, distinct = rig.effects()
    report("redis stopped", sent, rows, distinct)
    assert (rows, distinct) == (sent, sent)
    rig.engine.dispose()


def test_poison_event_is_retried_then_dead_lettered_and_replayable(rig, processes):
    with rig.session_factory.begin() as session:
        session.execute(messaging_app.poisoned_values.insert().values(value=0))
    sent = len(rig.produce(range(51)))  # value 0 is poison, 50 healthy ones behind it
    worker = processes("worker", env=rig.env(), name="worker")

    wait_until(lambda: rig.effects()[1] == 50, timeout=60, message="the healthy events")
    wait_until(lambda: _dead_letters(rig), timeout=60, message="the dead letter")
    (dead,) = _dead_letters(rig)
    assert dead["reason"] == "handler_failed"
    assert dead["attempts"] == 3
    assert "poisoned value 0" in dead["error"]
    assert worker.output().count("consumer.handler_failed") >= 1

    # The operator fixes the cause, then replays with the CLI.
    with rig.session_factory.begin() as session:
        session.execute(messaging_app.poisoned_values.delete())
    replay = processes("dead-letters", "replay", "--all", env=rig.env(), name="cli")
    wait_until(lambda: not replay.alive(), timeout=30, message="the replay command")
    assert "replayed 1" in replay.output()
    wait_until(lambda: rig.effects()[1] == sent, timeout=30, message="the replayed effect")
    rows, distinct = rig.effects()
    report("poison", sent, rows, distinct)
    assert (rows, distinct) == (sent, sent)
    assert _dead_letters(rig) == []


def test_two_relays_never_publish_an_event_twice(rig, processes):
    ids = rig.produce(range(2000))
    relays = [processes("relay", "--batch-size", "25", env=rig.env(), name=f"relay-{i}")
              for i in range(2)]
    wait_until(lambda: rig.pending() == 0, timeout=120, message="the outbox drained")
    for relay in relays:
        assert relay.terminate() == 0
    published = Counter(_drain_queue_ids(rig))
    per_relay = [r.output().split("relay sent ")[-1].split()[0] for r in relays]
    duplicated = sum(n - 1 for n in published.values() if n > 1)
    print(f"\n[two relays] outbox={len(ids)} published={sum(published.values())} "
          f"per_relay={per_relay} duplicated={duplicated}")
    assert set(published) == set(ids)
    assert duplicated == 0


def _drain_queue_ids(rig) -> list[str]:
    ids = []
    with rig.connection() as conn:
        queue = messaging_app.TOPOLOGY.queue(messaging_app.QUEUE)(conn.default_channel)
        while (message := queue.get(no_ack=True)) is not None:
            ids.append(json.loads(message.body)["id"])
    return ids


def _dead_letters(rig):
    from shared.messaging.dead_letters import list_dead_letters
    with rig.session_factory() as session:
        return list_dead_letters(session)


def _redis(rig):
    import redis
    return redis.Redis.from_url(rig.redis_url)


def _unacked(rig) -> int:
    return _redis(rig).hlen(f"{rig.prefix}unacked")


def _queue_length(rig) -> int:
    return _redis(rig).llen(f"{rig.prefix}{messaging_app.QUEUE}")
