"""Fault 5: an outbox relay killed between publishing a batch and marking it sent.

No change to production code: the test holds `LOCK TABLE outbox IN SHARE MODE` in
the referrals database. The relay's `SELECT ... FOR UPDATE SKIP LOCKED` (ROW SHARE)
goes through, it publishes the whole batch, and its `UPDATE outbox SET published_at`
(ROW EXCLUSIVE) waits on the lock: the window, held open. The worker is SIGKILLed
there; its transaction dies with it, the rows stay pending, and the next relay
publishes them again: every consumer must see the redelivered events and skip them."""

import time

import pytest

from shared.testing.servers import wait_until
from tests.faults.effects import count, settle
from tests.faults.traffic import Traffic

pytestmark = pytest.mark.faults
BATCH = 20
SKIPPED = "consumer.duplicate_skipped"


def test_relay_killed_between_publish_and_mark(system):
    name = "relay killed between publish and mark"
    assert system.worker("referrals").terminate() == 0  # the outbox fills meanwhile
    traffic = Traffic(system, name, accept=False)
    for number in range(BATCH):
        assert traffic.submit(number)
    assert system.pending_outbox("referrals") == BATCH
    skipped_before = {s: system.log_count(s, SKIPPED) for s in ("registry", "notifications")}

    with system.table_locked("referrals", "outbox", "SHARE"):
        system.start_worker("referrals")
        wait_until(lambda: system.waiting_on_lock("referrals", "UPDATE outbox"), timeout=30,
                   interval=0.05, message="the relay waiting to mark its batch")
        # Published: the consumers apply the whole batch while it is still unmarked.
        wait_until(lambda: count(system, traffic).by_kind()["dispatch.processed"].lost == 0
                   and count(system, traffic).by_kind()["indicators.processed"].lost == 0,
                   timeout=60, interval=0.2, message="the batch consumed")
        assert system.pending_outbox("referrals") == BATCH, "published but not marked"
        system.kill_worker("referrals")
    wait_until(lambda: system.waiting_on_lock("referrals", "UPDATE outbox") == 0, timeout=30,
               message="the killed relay's transaction gone")
    assert system.pending_outbox("referrals") == BATCH, "the killed relay's marks were rolled back"

    system.start_worker("referrals")
    recovered_at = time.monotonic()
    wait_until(lambda: system.pending_outbox("referrals") == 0, timeout=60,
               message="the batch re-sent")
    skipped = {}
    for service, before in skipped_before.items():
        wait_until(lambda s=service, b=before: system.log_count(s, SKIPPED) - b >= BATCH,
                   timeout=60, interval=0.2, message=f"{service} skipping the redelivery")
        skipped[service] = system.log_count(service, SKIPPED) - before
    print(f"\n[{name}] batch={BATCH} published twice; redelivered events skipped: {skipped}")
    settle(system, traffic, name, recovered_at=recovered_at, bound=60)
