"""Fault 8: the webhook receiver down (connection refused) while notifications keep
coming: its deliveries are retried and delivered once it is back; with a short
attempt budget they go dead instead, and an admin replays them through the API.
Each webhook call is counted per delivery id (X-Relais-Delivery): exactly one."""

import time

import pytest
import requests
from sqlalchemy import select

from services.notifications.store.tables import deliveries
from shared.testing.servers import wait_until
from tests.faults.conftest import outage_seconds
from tests.faults.effects import count, settle
from tests.faults.traffic import Traffic

pytestmark = pytest.mark.faults


def test_webhook_receiver_down_then_back(system):
    name = "webhook receiver down"
    outage = outage_seconds("webhook_outage", 15, 60)
    traffic = Traffic(system, name, rate=4.0).start()
    try:
        traffic.wait_for(5)
        wait_until(lambda: count(system, traffic).by_kind()["webhook"].distinct >= 3,
                   timeout=60, interval=0.2, message="webhooks flowing")
        system.receiver.stop()
        time.sleep(outage)  # the outage itself
        waiting = count(system, traffic).by_kind()["webhook"].lost
        system.receiver.start()
        recovered_at = time.monotonic()
        traffic.wait_for(len(traffic.ids) + 8)
    finally:
        if not system.receiver.up:
            system.receiver.start()
        traffic.stop()
    print(f"\n[{name}] outage={outage:.0f}s webhook calls waiting at its end={waiting}")
    assert waiting > 0
    settle(system, traffic, name, recovered_at=recovered_at, bound=60)


def test_webhook_deliveries_dead_lettered_then_replayed(system):
    name = "webhook dead then replayed"
    system.start_worker("notifications", env={"RELAIS_DELIVERY_MAX_ATTEMPTS": "3"})
    traffic = Traffic(system, name, rate=4.0)
    try:
        system.receiver.stop()
        traffic.start()
        traffic.wait_for(12)
        traffic.stop()

        def dead_hooks():
            with system.engines["notifications"].connect() as conn:
                rows = conn.execute(select(deliveries.c.id, deliveries.c.status).where(
                    deliveries.c.channel == "webhook",
                    deliveries.c.created_at >= traffic.started_at)).all()
            expected = 2 * len(traffic.ids)
            if len(rows) == expected and all(r.status == "dead" for r in rows):
                return [str(r.id) for r in rows]
            return None

        dead = wait_until(dead_hooks, timeout=60, interval=0.3, message="webhooks dead")
    finally:
        system.receiver.start()
        system.start_worker("notifications")  # back to the suite's settings
    admin = system.stack.token("admin", member="faults-admin")
    recovered_at = time.monotonic()
    for delivery_id in dead:
        answer = requests.post(
            f"{system.urls['notifications']}/api/v1/deliveries/{delivery_id}/replay",
            headers=admin, timeout=10)
        assert answer.status_code == 200, answer.text
    print(f"\n[{name}] dead webhook deliveries replayed by the admin: {len(dead)}")
    settle(system, traffic, name, recovered_at=recovered_at, bound=60)
