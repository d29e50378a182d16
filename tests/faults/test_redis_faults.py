"""Faults 2 and 3: Redis (AOF on, fsync always) killed and restarted mid-stream,
then Redis away for 30 s while the GP keeps submitting: the referrals API keeps
answering 201 (the outbox holds the events), and everything is delivered after
Redis returns (relays back off, consumers reconnect)."""

import time

import pytest

from shared.testing.servers import wait_until
from tests.faults.conftest import outage_seconds
from tests.faults.effects import count, settle
from tests.faults.traffic import Traffic

pytestmark = pytest.mark.faults


def flowing(system, traffic, kind="delivered", at_least=5) -> None:
    wait_until(lambda: count(system, traffic).by_kind()[kind].distinct >= at_least,
               timeout=60, interval=0.2, message=f"the stream flowing ({kind})")


def test_redis_killed_and_restarted_mid_stream(system):
    name = "redis restart"
    traffic = Traffic(system, name).start()
    try:
        traffic.wait_for(10)
        flowing(system, traffic)
        system.broker.process.kill()  # SIGKILL: AOF with fsync always keeps every write
        system.broker.process.wait(timeout=10)
        system.broker.start()
        recovered_at = time.monotonic()
        traffic.wait_for(len(traffic.ids) + 15)
    finally:
        traffic.stop()
    settle(system, traffic, name, recovered_at=recovered_at, bound=60)


def test_redis_stopped_while_referrals_keep_being_submitted(system):
    name = "redis stopped"
    outage = outage_seconds("redis_outage", 30, 30)
    traffic = Traffic(system, name, rate=4.0).start()
    try:
        traffic.wait_for(8)
        flowing(system, traffic)
        before = (len(traffic.ids), dict(traffic.first_answers))
        system.broker.stop()
        time.sleep(outage)  # the outage itself (not a synchronisation)
        during = len(traffic.ids) - before[0]
        first_answers_during = {code: n - before[1].get(code, 0)
                                for code, n in traffic.first_answers.items()}
        system.broker.start()
        recovered_at = time.monotonic()
        traffic.wait_for(len(traffic.ids) + 8)
    finally:
        traffic.stop()
    print(f"\n[{name}] outage={outage:.0f}s submitted during it={during} "
          f"first answers during it={first_answers_during}")
    assert during >= outage * traffic.rate * 0.5, "the GP kept submitting during the outage"
    assert set(first_answers_during) == {201}, "the referrals API kept answering 201"
    settle(system, traffic, name, recovered_at=recovered_at, bound=60)
