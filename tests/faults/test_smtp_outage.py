"""Fault 7: the SMTP server answers 451 to every message for a minute (20 s by
default, the full minute with RELAIS_FAULTS_FULL=1, or RELAIS_FAULTS_SMTP_OUTAGE_SECONDS):
mail is delayed, retried from the database, none lost, none sent twice.

And a worker killed after the SMTP server accepted a mail but before the outcome was
committed: the delivery was marked `sending` before DATA, so when its lease runs out
it becomes `uncertain` (for an admin to decide), and is not sent a second time."""

import time
import uuid

import pytest
import requests
from sqlalchemy import select, text

from services.notifications.store.tables import deliveries
from shared.testing.servers import wait_until
from tests.faults.conftest import outage_seconds
from tests.faults.effects import count, record, settle
from tests.faults.traffic import Traffic

pytestmark = pytest.mark.faults


def test_smtp_server_failing_with_451(system):
    name = "smtp 451"
    outage = outage_seconds("smtp_outage", 20, 60)
    traffic = Traffic(system, name, rate=4.0).start()
    try:
        traffic.wait_for(8)
        wait_until(lambda: count(system, traffic).by_kind()["email"].distinct >= 4,
                   timeout=60, interval=0.2, message="e-mails flowing")
        refused_before, mailed_before = system.mailbox.refused, count(system, traffic)
        system.mailbox.failing = True
        time.sleep(outage)  # the outage itself
        during = count(system, traffic)
        system.mailbox.failing = False
        recovered_at = time.monotonic()
        traffic.wait_for(len(traffic.ids) + 8)
    finally:
        system.mailbox.failing = False
        traffic.stop()
    refused = system.mailbox.refused - refused_before
    waiting = during.by_kind()["email"].lost
    # Measured, not asserted: the one dispatcher thread also spends its time on the
    # e-mails it retries (every 2 s at most with the tests' timers), so webhooks lag too.
    print(f"\n[{name}] outage={outage:.0f}s answers 451={refused} "
          f"e-mails waiting at its end={waiting}/{during.by_kind()['email'].expected} "
          f"webhooks waiting={during.by_kind()['webhook'].lost} "
          f"(e-mails received before it: {mailed_before.by_kind()['email'].distinct})")
    assert refused > 0 and waiting > 0, "mail was delayed by the outage"
    settle(system, traffic, name, recovered_at=recovered_at, bound=60)


def test_a_worker_killed_after_the_smtp_server_accepted_a_mail_does_not_send_it_twice(system):
    name = "killed after smtp 250"
    traffic = Traffic(system, name, accept=False)
    system.mailbox.hold.set()
    try:
        traffic.submit(0)
        wait_until(system.mailbox.holding.is_set, timeout=30, interval=0.05,
                   message="the dispatcher mid-send")
        with system.engines["notifications"].connect() as conn, conn.begin():
            # The outcome's UPDATE will wait for this row lock.
            locked = conn.execute(text(
                "SELECT id FROM deliveries WHERE channel = 'email' AND status = 'sending' "
                "FOR UPDATE")).scalars().all()
            assert len(locked) == 1
            [interrupted] = locked
            system.mailbox.hold.clear()  # 250: the mail is accepted
            wait_until(lambda: system.waiting_on_lock("notifications", "UPDATE deliveries"),
                       timeout=30, interval=0.05, message="the outcome waiting to commit")
            system.kill_worker("notifications")
    finally:
        system.mailbox.hold.clear()
        system.mailbox.holding.clear()
    system.start_worker("notifications")
    recovered_at = time.monotonic()
    row = _settled_uncertain(system, traffic, name, interrupted, recovered_at=recovered_at,
                             bound=60)
    assert row.attempts == 1
    assert row.last_error == "interrupted while sending; may have been delivered"
    # Listed for the admins with the dead (through the running API).
    admin = system.stack.token("admin", member="faults-admin")
    answer = requests.get(f"{system.urls['notifications']}/api/v1/deliveries",
                          params={"status": ["dead", "uncertain"], "limit": 200},
                          headers=admin, timeout=10)
    assert answer.status_code == 200, answer.text
    assert str(interrupted) in {d["id"] for d in answer.json()["items"]
                                if d["status"] == "uncertain"}


def _settled_uncertain(system, traffic, name: str, delivery_id: uuid.UUID, *,
                       recovered_at: float, bound: float):
    """As effects.settle, and the interrupted e-mail's delivery ends `uncertain` (never
    sent again) while its mail arrived exactly once, so it counts as delivered."""
    def status():
        with system.engines["notifications"].connect() as conn:
            return conn.execute(select(deliveries).where(deliveries.c.id == delivery_id)).one()

    def settled():
        try:
            effects, row = count(system, traffic), status()
        except Exception:  # noqa: BLE001 (a database still restarting)
            return None
        return effects if row.status == "uncertain" and effects.complete() else None

    try:
        wait_until(settled, timeout=bound, interval=0.5, message=f"settled ({name})")
    except AssertionError:
        print(count(system, traffic).line(name), status(), traffic.summary(), system.logs(),
              sep="\n")
        raise
    recovery = time.monotonic() - recovered_at
    system.wait_quiet(timeout=60, message="redeliveries consumed and acked")
    time.sleep(2)  # ten more dispatcher passes (every 0.2 s): a resend would show now
    effects, row = count(system, traffic), status()
    record(effects, name, recovery)
    print(f"\n{effects.line(name)}\n    recovery={recovery:.1f}s (bound {bound:.0f}s) "
          f"interrupted delivery: {row.status}, mails received: "
          f"{system.mailbox.counts()[str(delivery_id)]} {traffic.summary()}")
    assert system.mailbox.counts()[str(delivery_id)] == 1, "sent once, not twice"
    assert row.status == "uncertain"
    assert effects.lost == 0, effects.line(name)
    assert effects.duplicated == 0, effects.line(name)
    assert recovery < bound
    dead = system.dead_processes()
    assert not dead, [f"{p.name}: {p.output()[-2000:]}" for p in dead]
    return row
