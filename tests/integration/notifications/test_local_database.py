"""The same rules on SQLite (the local run's database) as on PostgreSQL."""

import pytest

from services.notifications.store import deliveries as store
from tests.integration.notifications.conftest import People, Rig
from tests.integration.notifications.helpers import deliveries_of

pytestmark = pytest.mark.integration


@pytest.fixture
def any_rig(any_database_url, mailbox):
    rig = Rig(any_database_url, mailbox.port)
    yield rig
    rig.engine.dispose()


def test_retries_leases_and_digests_work_on_both_databases(any_rig, mailbox):
    rig, people = any_rig, People(any_rig)
    mailbox.refuse_next = 1
    envelope, _ = rig.receive("referrals.referral.accepted", people.referral(status="accepted"))
    rig.receive("referrals.referral.held", people.referral(status="on-hold"))  # digest default
    assert rig.drain() == 1 and mailbox.messages == []
    assert rig.dispatch() == 0, "its retry is scheduled later"
    rig.clock.advance(minutes=2)
    assert rig.drain() == 1 and len(mailbox.messages) == 1
    rig.redeliver(envelope)
    rig.clock.advance(days=1)
    assert rig.dispatcher.build_digests(rig.sessions) == 1
    assert rig.dispatcher.build_digests(rig.sessions) == 0
    rig.drain()
    assert [m["subject"][:30] for m in mailbox.messages][-1] == "[Relais] Récapitulatif du 11 m"
    assert len(mailbox.messages) == 2
    assert {d.status for d in deliveries_of(rig, channel="email")} == {"sent", "digested"}


def test_claims_leases_and_uncertain_sends_work_on_both_databases(any_rig, mailbox):
    rig, people = any_rig, People(any_rig)
    rig.receive("referrals.referral.submitted", people.referral())  # two handlers: two e-mails
    with rig.sessions.begin() as session:  # a worker claims both, then dies
        first, second = store.claim_due(session, now=rig.clock(), lease_seconds=60, limit=5)
    with rig.sessions.begin() as session:  # ... after recording the first one's attempt
        assert store.mark_sending(session, first, now=rig.clock(), lease_seconds=60)
    assert rig.dispatch() == 0, "both leased"
    rig.clock.advance(seconds=61)
    assert rig.drain() == 1, "the claimed one is taken again, the sending one is not"
    assert [m["message_id"] for m in mailbox.messages] == [f"<{second.id}@relais>"]
    statuses = {d.id: (d.status, d.attempts) for d in deliveries_of(rig, channel="email")}
    assert statuses == {first.id: ("uncertain", 1), second.id: ("sent", 1)}
    rig.clock.advance(hours=1)
    assert rig.drain() == 0 and len(mailbox.messages) == 1, "uncertain: never resent alone"
    with rig.sessions.begin() as session:  # an admin's decision
        assert store.replay(session, first.id, rig.clock())
    assert rig.drain() == 1 and rig.drain() == 0
    assert [m["message_id"] for m in mailbox.messages][1:] == [f"<{first.id}@relais>"]
    assert {d.status for d in deliveries_of(rig, channel="email")} == {"sent"}
