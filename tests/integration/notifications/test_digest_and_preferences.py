"""The daily digest, and preferences (member, organisation default, critical) respected."""

from datetime import UTC, datetime

import pytest

from services.notifications.domain.preferences import Preference
from services.notifications.store import preferences
from tests.integration.notifications.helpers import deliveries_of, emitted, inbox_of

pytestmark = pytest.mark.integration


def paris(day, hour, minute=0):
    # March 2027 is before the switch to summer time: Paris is UTC+1.
    return datetime(2027, 3, day, hour - 1, minute, tzinfo=UTC)


def test_a_digest_groups_a_days_events_into_one_email(rig, people, mailbox):
    with rig.sessions.begin() as session:
        preferences.save_member(session, people.referrer,
                                Preference("referrals.referral.accepted", "email", "digest"))
    rig.clock.now = paris(10, 10)
    for verb, status in [("accepted", "accepted"), ("started", "in-progress"),
                         ("held", "on-hold"), ("completed", "completed")]:
        rig.receive(f"referrals.referral.{verb}", people.referral(status=status))
        rig.clock.advance(hours=1)
    rig.receive("referrals.referral.rejected", people.referral(status="rejected"))  # at once
    rig.drain()
    assert [m["subject"][-12:].strip() for m in mailbox.messages] == ["est terminé",
                                                                      "a été refusé"]
    mailbox.messages.clear()
    assert len(inbox_of(rig, people.referrer)) == 5, "the inbox has them all at once"

    for moment in (paris(10, 18), paris(11, 7, 59)):  # before the next slot: nothing yet
        rig.clock.now = moment
        assert rig.dispatcher.build_digests(rig.sessions) == 0
    rig.clock.now = paris(11, 8)
    assert rig.dispatcher.build_digests(rig.sessions) == 1
    rig.clock.advance(minutes=1)
    rig.receive("referrals.referral.resumed", people.referral(status="in-progress"))  # after
    assert rig.dispatcher.build_digests(rig.sessions) == 0, "one digest per member per day"
    rig.drain()
    [digest] = mailbox.messages
    assert digest["to"] == [people.email(people.referrer)]
    assert digest["subject"] == "[Relais] Récapitulatif du 11 mars 2027 (3)"
    text = digest["text"]
    assert "Voici le récapitulatif du 11 mars 2027 : 3 notifications." in text
    for words in ("a été accepté", "a commencé", "est suspendu"):
        assert words in text
    assert "a repris" not in text, "deferred after the slot: tomorrow's digest"
    for name in people.names:
        assert name not in digest["raw"]
    grouped = deliveries_of(rig, status="digested")
    assert len(grouped) == 3 and len({d.digest_id for d in grouped}) == 1

    rig.clock.now = paris(12, 8, 30)
    assert rig.dispatcher.build_digests(rig.sessions) == 1
    rig.drain()
    assert mailbox.messages[-1]["subject"] == "[Relais] Récapitulatif du 12 mars 2027 (1)"
    # six inbox items, two e-mails at once, two digests
    assert emitted(rig).count("notifications.delivery.delivered") == 6 + 2 + 2


def test_preferences_off_digest_immediately_and_critical_forced(rig, people, mailbox):
    submitted = "referrals.referral.submitted"
    with rig.sessions.begin() as session:
        preferences.save_member(session, people.handler, Preference(submitted, "email", "off"))
        preferences.save_member(session, people.handler2, Preference(submitted, "in_app", "off"))
        # The CCAS's default: reminders in the digest; handler2 wants them at once.
        preferences.save_organisation(session, people.ccas,
                                      Preference("referrals.referral.reminded", "email", "digest"))
        preferences.save_member(session, people.handler2,
                                Preference("referrals.referral.reminded", "email", "immediately"))

    rig.receive(submitted, people.referral())
    rig.drain()
    assert [m["to"] for m in mailbox.messages] == [[people.email(people.handler2)]]
    assert len(inbox_of(rig, people.handler)) == 1 and inbox_of(rig, people.handler2) == []

    mailbox.messages.clear()
    rig.receive(submitted, people.referral(urgency="urgent"))
    rig.drain()
    assert sorted(a for m in mailbox.messages for a in m["to"]) == sorted(
        [people.email(people.handler), people.email(people.handler2)]), "critical: forced"
    assert all(m["subject"].startswith("[Relais] URGENT : nouveau signalement")
               for m in mailbox.messages)
    [urgent_item] = inbox_of(rig, people.handler2)
    assert urgent_item.critical

    mailbox.messages.clear()
    rig.receive("referrals.referral.reminded", people.referral())
    rig.drain()
    assert [m["to"] for m in mailbox.messages] == [[people.email(people.handler2)]]
    [waiting] = deliveries_of(rig, status="deferred")
    assert waiting.recipient_member_id == people.handler
