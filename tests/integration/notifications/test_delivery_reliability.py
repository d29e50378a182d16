"""Exactly once per recipient, retries scheduled in the database, dead letters replayed."""

import pytest
from click.testing import CliRunner

from services.notifications import notify
from services.notifications.cli import cli
from services.notifications.domain.signing import verify
from services.notifications.store import deliveries as store
from services.notifications.store import subscriptions
from services.notifications.store.tables import deliveries, inbox_items
from shared.messaging.consumer import Outcome
from tests.integration.notifications.helpers import count, deliveries_of, emitted

pytestmark = pytest.mark.integration


def test_a_redelivered_event_sends_nothing_twice(rig, people, mailbox):
    envelope, _ = rig.receive("referrals.referral.submitted", people.referral())
    rig.drain()
    assert rig.redeliver(envelope) is Outcome.DUPLICATE
    # Even past the consumer's own guard, the unique keys hold.
    with rig.sessions.begin() as session:
        notify.notify(session, rig.parsed(envelope), rig.clock())
    rig.clock.advance(hours=2)
    rig.drain()
    assert len(mailbox.messages) == 2  # the two active handlers, once each
    assert count(rig, inbox_items) == 2
    assert count(rig, deliveries) == 4
    assert emitted(rig).count("notifications.delivery.delivered") == 4


def test_an_smtp_server_answering_451_for_a_while_delays_but_loses_nothing(rig, people, mailbox):
    mailbox.refuse_next = 2
    rig.receive("referrals.referral.submitted", people.referral())
    rig.receive("referrals.referral.accepted", people.referral(status="accepted"))
    assert rig.dispatch() == 3
    assert mailbox.refused == 2 and len(mailbox.messages) == 1
    failed = deliveries_of(rig, status="failed")
    assert len(failed) == 2 and all(d.last_error == "smtp 451" for d in failed)
    assert all(store.aware(d.next_attempt_at) > rig.clock() for d in failed), "in the database"
    assert rig.dispatch() == 0, "not due yet: nothing hammers the server"
    rig.clock.advance(minutes=2)
    assert rig.dispatch() == 2
    received = sorted(a for m in mailbox.messages for a in m["to"])
    assert received == sorted(people.email(m) for m in (people.handler, people.handler2,
                                                         people.referrer))
    assert {d.status for d in deliveries_of(rig, channel="email")} == {"sent"}
    assert sorted(d.attempts for d in deliveries_of(rig, channel="email")) == [1, 2, 2]
    assert emitted(rig).count("notifications.delivery.failed") == 2
    assert len({m["message_id"] for m in mailbox.messages}) == 3


def test_a_webhook_receiver_down_is_retried_then_dead_then_replayed(rig, people, mailbox,
                                                                     receiver, postgres_url):
    with rig.sessions.begin() as session:
        hook = subscriptions.add(session, organisation_id=people.ccas, url=receiver.url,
                                 event_types=["referrals.referral.submitted"], now=rig.clock())
    rig.receive("referrals.referral.submitted", people.referral())
    rig.receive("referrals.referral.submitted", people.referral(urgency="urgent"))
    for _attempt in range(4):  # RELAIS_DELIVERY_MAX_ATTEMPTS=4 in the rig
        rig.drain()
        rig.clock.advance(hours=2)
    dead = deliveries_of(rig, status="dead")
    assert [(d.channel, d.attempts) for d in dead] == [("webhook", 4), ("webhook", 4)]
    assert "unreachable" in dead[0].last_error
    assert len(mailbox.messages) == 4, "the failing channel blocked nobody"
    assert emitted(rig).count("notifications.delivery.failed") == 6
    assert emitted(rig).count("notifications.delivery.dead_lettered") == 2

    receiver.start()
    runner = CliRunner()
    env = {"RELAIS_DATABASE_URL": postgres_url, "RELAIS_LOG_JSON": "false"}
    listed = runner.invoke(cli, ["deliveries", "list"], env=env)
    assert listed.exit_code == 0 and "2 deliveries" in listed.output
    replayed = runner.invoke(cli, ["deliveries", "replay", str(dead[0].id)], env=env)
    assert replayed.output.strip() == "replayed 1", replayed.output
    again = runner.invoke(cli, ["deliveries", "replay", str(dead[0].id)], env=env)
    assert "not dead" in again.output
    rig.drain()
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert verify(request["headers"]["X-Relais-Signature"], hook["secret"],
                  int(request["headers"]["X-Relais-Timestamp"]), request["body"])
    assert [d.status for d in deliveries_of(rig, channel="webhook")] == ["sent", "dead"]
    assert runner.invoke(cli, ["deliveries", "replay", "--all"], env=env).output.startswith(
        "replayed 1")
    rig.drain()
    assert len(receiver.requests) == 2


def test_a_crash_while_sending_loses_nothing(rig, people, mailbox):
    rig.receive("referrals.referral.accepted", people.referral(status="accepted"))
    with rig.sessions.begin() as session:  # a worker takes it, then dies before sending
        [orphan] = store.claim_due(session, now=rig.clock(), lease_seconds=120, limit=10)
    assert rig.dispatch() == 0, "leased: nobody else takes it meanwhile"
    rig.clock.advance(seconds=121)
    assert rig.dispatch() == 1 and len(mailbox.messages) == 1
    with rig.sessions.begin() as session:  # the dead worker's late outcome changes nothing
        assert store.finish(session, orphan, error="boom", permanent=False,
                            now=rig.clock(), policy=rig.dispatcher.policy) is None
    [sent] = deliveries_of(rig, channel="email")
    assert (sent.status, sent.attempts) == ("sent", 2)


def test_a_permanent_refusal_goes_dead_at_once_and_is_listed(rig, people, mailbox):
    async def refuse(server, session, envelope, address, rcpt_options):
        return "550 5.1.1 No such mailbox"

    mailbox.handle_RCPT = refuse
    rig.receive("referrals.referral.accepted", people.referral(status="accepted"))
    rig.drain()
    [dead] = deliveries_of(rig, channel="email")
    assert (dead.status, dead.attempts) == ("dead", 1)
    assert dead.last_error == "smtp recipient refused: [550]" and mailbox.messages == []


def test_two_dispatchers_never_take_the_same_delivery(rig, people):
    rig.receive("referrals.referral.submitted", people.referral())  # two e-mails due
    first, second = rig.sessions(), rig.sessions()
    try:
        with first.begin(), second.begin():
            mine = store.claim_due(first, now=rig.clock(), lease_seconds=60, limit=1)
            theirs = store.claim_due(second, now=rig.clock(), lease_seconds=60, limit=5)
            assert len(mine) == 1 and len(theirs) == 1, "the locked row is skipped, not awaited"
            assert mine[0].id != theirs[0].id
    finally:
        first.close()
        second.close()
