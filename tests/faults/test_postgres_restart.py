"""Fault 4: the PostgreSQL cluster holding the three services' databases restarted
mid-stream (`fast`: connections cut, clean shutdown; `immediate`: a crash, then
recovery from the WAL). Requests failing meanwhile are retried by the clients with
the same Idempotency-Key; nothing is lost or done twice.

A worker whose handler meets the database away backs off and puts the message back
in its queue (EventConsumer); it used to exit. The mid-stream test still runs under a
supervisor that restarts exited workers, as docker-compose does (`restart:
unless-stopped`), and prints how many it restarted: none is expected."""

import time

import pytest
from kombu import Producer

from shared.events import new_event, to_envelope
from shared.messaging.topology import TOPOLOGY, broker_connection
from shared.testing.servers import wait_until
from tests.faults.effects import count, settle
from tests.faults.system import PREFIX
from tests.faults.traffic import Traffic

pytestmark = pytest.mark.faults


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_postgres_restarted_mid_stream(system, mode):
    name = f"postgres restart ({mode})"
    traffic = Traffic(system, name).start()
    with system.supervised() as restarts:
        try:
            traffic.wait_for(10)
            wait_until(lambda: count(system, traffic).by_kind()["delivered"].distinct >= 5,
                       timeout=60, interval=0.2, message="the stream flowing")
            before = len(traffic.ids)
            system.postgres.stop(mode)
            system.postgres.start()
            recovered_at = time.monotonic()
            traffic.wait_for(before + 15, timeout=90)
        finally:
            traffic.stop()
        effects = settle(system, traffic, name, recovered_at=recovered_at, bound=60)
    print(f"    workers restarted by the supervisor: {restarts or 'none'}; "
          f"failed answers retried by the clients: "
          f"{ {k: v for k, v in traffic.answers.items() if k not in (200, 201)} }")
    assert effects.lost == 0


def test_a_worker_survives_postgresql_being_away(system):
    system.postgres.stop("fast")
    try:
        with broker_connection(system.broker.url, visibility_timeout=3,
                               key_prefix=PREFIX) as connection:
            event = new_event("registry.need_category.updated", {
                "id": "6b2f6a0e-2f7e-4d53-9a8e-000000000001", "version": 1,
                "code": "faults_probe", "label": "Sonde de panne", "active": True})
            exchange = TOPOLOGY.exchange_for_type(event.type)
            Producer(connection).publish(to_envelope(event), exchange=exchange,
                                         routing_key=event.type, declare=[exchange],
                                         serializer="json", delivery_mode=2)
        # Both consumers of registry events (referrals, notifications) receive it now.
        wait_until(lambda: system.broker_backlog() == 2 and system.unacked() == 2,
                   timeout=30, interval=0.1, message="the event taken by both consumers")
        time.sleep(2)  # the database stays away a little while (the outage itself)
        dead = [p.name for p in system.dead_processes()]
    finally:
        system.postgres.start()
    assert dead == [], f"workers exited while PostgreSQL was away: {dead}"
