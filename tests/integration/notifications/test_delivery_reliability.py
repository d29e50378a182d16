"""Exactly once per recipient, retries scheduled in the database, dead letters replayed."""

import pytest
from click.testing import CliRunner

from services.notifications import metrics, notify
from services.notifications.cli import cli
from services.notifications.dispatch import Dispatcher
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


def test_a_worker_dying_after_its_claim_before_sending_loses_nothing(rig, people, mailbox):
    rig.receive("referrals.referral.accepted", people.referral(status="accepted"))
    with rig.sessions.begin() as session:  # a worker takes it, then dies before sending
        [orphan] = store.claim_due(session, now=rig.clock(), lease_seconds=120, limit=10)
    [claimed] = deliveries_of(rig, channel="email")
    assert (claimed.status, claimed.attempts) == ("claimed", 0), "nothing attempted yet"
    assert rig.dispatch() == 0, "leased: nobody else takes it meanwhile"
    rig.clock.advance(seconds=121)
    assert rig.dispatch() == 1 and len(mailbox.messages) == 1, "claimed again, sent"
    with rig.sessions.begin() as session:  # the dead worker's late writes change nothing
        assert not store.mark_sending(session, orphan, now=rig.clock(), lease_seconds=120)
        assert store.finish(session, orphan, error="boom", permanent=False,
                            now=rig.clock(), policy=rig.dispatcher.policy) is None
    [sent] = deliveries_of(rig, channel="email")
    assert (sent.status, sent.attempts) == ("sent", 1)
    assert store.aware(sent.attempted_at) == rig.clock()


def test_a_worker_shutting_down_stops_between_deliveries_and_sends_the_rest_later(
        rig, people, mailbox):
    """SIGTERM asks the dispatcher to stop (PeriodicTask.stop): the pass ends before its
    next delivery, which stays merely claimed and comes back after its lease, rather
    than being cut mid-send by the process exiting (that would leave it uncertain)."""
    rig.receive("referrals.referral.submitted", people.referral())  # two handlers
    sent_one = []
    real_attempt = rig.dispatcher._attempt

    def attempt_then_sigterm(session_factory, delivery):
        sent_one.append(real_attempt(session_factory, delivery))
        [task.stop() for task in rig.dispatcher.tasks() if task.stop]

    rig.dispatcher._attempt = attempt_then_sigterm
    assert rig.dispatch() == 2 and len(sent_one) == 1 and len(mailbox.messages) == 1
    assert sorted(d.status for d in deliveries_of(rig, channel="email")) == ["claimed", "sent"]
    restarted = Dispatcher(rig.settings, clock=rig.clock)
    rig.clock.advance(seconds=rig.settings.delivery_lease_seconds + 1)
    assert restarted.send_due(rig.sessions) == 1 and len(mailbox.messages) == 2
    assert not deliveries_of(rig, status="uncertain")


def _killed_mid_send(rig) -> store.Claimed:
    """A worker claims the e-mail, records its attempt, talks to the server, and dies
    before the outcome is committed (whether the server took it, nobody knows)."""
    with rig.sessions.begin() as session:
        [orphan] = store.claim_due(session, now=rig.clock(), lease_seconds=120, limit=10)
    with rig.sessions.begin() as session:
        assert store.mark_sending(session, orphan, now=rig.clock(), lease_seconds=120)
    return orphan


def test_a_worker_dying_mid_send_leaves_it_uncertain_never_resent(rig, people, mailbox,
                                                                  postgres_url):
    rig.receive("referrals.referral.accepted", people.referral(status="accepted"))
    _killed_mid_send(rig)
    [sending] = deliveries_of(rig, channel="email")
    assert (sending.status, sending.attempts) == ("sending", 1)
    assert store.aware(sending.attempted_at) == rig.clock()
    before = metrics.deliveries_total.labels("email", "uncertain")._value.get()
    assert rig.dispatch() == 0
    rig.clock.advance(seconds=121)
    assert rig.dispatch() == 0, "its lease ran out: settled, not taken again"
    [uncertain] = deliveries_of(rig, channel="email")
    assert (uncertain.status, uncertain.attempts) == ("uncertain", 1)
    assert uncertain.last_error == "interrupted while sending; may have been delivered"
    assert uncertain.lease_expires_at is None and uncertain.next_attempt_at is None
    assert metrics.deliveries_total.labels("email", "uncertain")._value.get() == before + 1
    assert emitted(rig).count("notifications.delivery.dead_lettered") == 1
    for _pass in range(3):  # terminal: days later, still nothing sent
        rig.clock.advance(hours=12)
        rig.drain()
    assert mailbox.messages == []
    assert deliveries_of(rig, channel="email")[0].status == "uncertain"

    # Listed for the admin with the dead; `--all` alone replays only the dead.
    runner = CliRunner()
    env = {"RELAIS_DATABASE_URL": postgres_url, "RELAIS_LOG_JSON": "false"}
    listed = runner.invoke(cli, ["deliveries", "list"], env=env)
    assert listed.exit_code == 0, listed.output
    assert "1 delivery" in listed.output and "uncertain" in listed.output
    assert "may have been delivered" in listed.output
    assert runner.invoke(cli, ["deliveries", "replay", "--all"], env=env).output.strip() \
        == "replayed 0"
    # The admin decides to send it again: it leaves once.
    replayed = runner.invoke(cli, ["deliveries", "replay", str(uncertain.id)], env=env)
    assert replayed.output.strip() == "replayed 1", replayed.output
    assert rig.drain() == 1 and rig.drain() == 0
    assert len(mailbox.messages) == 1
    assert mailbox.messages[0]["message_id"] == f"<{uncertain.id}@relais>"
    [sent] = deliveries_of(rig, channel="email")
    assert (sent.status, sent.attempts) == ("sent", 1)


def test_replay_all_uncertain_is_an_explicit_choice(rig, people, mailbox, postgres_url):
    rig.receive("referrals.referral.accepted", people.referral(status="accepted"))
    _killed_mid_send(rig)
    rig.clock.advance(seconds=121)
    rig.dispatch()
    runner = CliRunner()
    env = {"RELAIS_DATABASE_URL": postgres_url, "RELAIS_LOG_JSON": "false"}
    replayed = runner.invoke(cli, ["deliveries", "replay", "--all", "--status", "uncertain"],
                             env=env)
    assert replayed.output.strip() == "replayed 1", replayed.output
    rig.drain()
    assert len(mailbox.messages) == 1


def test_a_slow_sender_past_its_lease_still_records_what_it_learnt(rig, people, mailbox):
    rig.receive("referrals.referral.accepted", people.referral(status="accepted"))
    slow = _killed_mid_send(rig)  # alive after all: its SMTP conversation outlived the lease
    rig.clock.advance(seconds=121)
    rig.dispatch()
    assert deliveries_of(rig, channel="email")[0].status == "uncertain"
    with rig.sessions.begin() as session:  # then the server's 250 comes back
        assert store.finish(session, slow, error=None, permanent=False, now=rig.clock(),
                            policy=rig.dispatcher.policy) == "sent"
    assert deliveries_of(rig, channel="email")[0].status == "sent"
    assert emitted(rig)[-2:] == ["notifications.delivery.dead_lettered",
                                 "notifications.delivery.delivered"]


def test_a_replayed_uncertain_delivery_fences_the_old_attempt(rig, people, mailbox):
    rig.receive("referrals.referral.accepted", people.referral(status="accepted"))
    old = _killed_mid_send(rig)
    rig.clock.advance(seconds=121)
    rig.dispatch()
    with rig.sessions.begin() as session:
        [uncertain] = deliveries_of(rig, channel="email")
        assert store.replay(session, uncertain.id, rig.clock())
    with rig.sessions.begin() as session:  # the old attempt's outcome is no longer its own
        assert store.finish(session, old, error="smtp 451", permanent=False, now=rig.clock(),
                            policy=rig.dispatcher.policy) is None
    assert rig.drain() == 1 and len(mailbox.messages) == 1
    assert deliveries_of(rig, channel="email")[0].status == "sent"


def test_a_worker_whose_claim_ran_out_sends_nothing(rig, people, mailbox):
    rig.receive("referrals.referral.accepted", people.referral(status="accepted"))
    with rig.sessions.begin() as session:  # worker A claims, then stalls past its lease
        [late] = store.claim_due(session, now=rig.clock(), lease_seconds=120, limit=10)
    rig.clock.advance(seconds=121)
    with rig.sessions.begin() as session:  # worker B takes it over
        [taken] = store.claim_due(session, now=rig.clock(), lease_seconds=120, limit=10)
    assert taken.id == late.id and taken.claim_id != late.claim_id
    assert rig.dispatcher._attempt(rig.sessions, late) is None
    assert mailbox.messages == [], "A noticed before talking to the server"
    assert rig.dispatcher._attempt(rig.sessions, taken) == "sent"
    assert len(mailbox.messages) == 1


def test_a_failure_before_the_network_call_is_an_attempt_but_never_uncertain(rig, people,
                                                                             receiver):
    with rig.sessions.begin() as session:
        subscriptions.add(session, organisation_id=people.ccas, url=receiver.url,
                          event_types=["referrals.referral.submitted"], now=rig.clock())
    rig.receive("referrals.referral.submitted", people.referral())
    with rig.sessions.begin() as session:  # removed while its delivery waits
        session.execute(deliveries.update().values(subscription_id=None)
                        .where(deliveries.c.channel == "webhook"))
    rig.drain()
    [hook] = deliveries_of(rig, channel="webhook")
    assert (hook.status, hook.attempts) == ("dead", 1)
    assert store.aware(hook.attempted_at) == rig.clock()
    assert hook.last_error == "subscription removed or paused"


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
