"""Each event reaches the right people on the right channel, in French, with no
personal data; through a real SMTP server and a real HTTP receiver."""

import json
import re
import uuid
from datetime import UTC, datetime

import pytest

from services.notifications.domain.messages import reference
from services.notifications.domain.signing import verify
from services.notifications.store import subscriptions
from services.notifications.store.tables import inbox_items
from shared.messaging.consumer import Outcome
from tests.integration.notifications.helpers import (
    count,
    deliveries_of,
    emitted,
    inbox_of,
    leftover_words,
)

pytestmark = pytest.mark.integration

BENEFICIARY = ["Jeanne", "Dupont", "1950", "diabète"]  # what referrals knows, never sent


def subscribe(rig, organisation_id, url, event_types):
    with rig.sessions.begin() as session:
        return subscriptions.add(session, organisation_id=organisation_id, url=url,
                                 event_types=event_types, now=rig.clock())


CASES = {
    # type: (data changes, who is told, words of the subject)
    "referrals.referral.submitted": ({}, ["handler", "handler2"], "Nouveau signalement"),
    "referrals.referral.accepted": ({"status": "accepted"}, ["referrer"], "a été accepté"),
    "referrals.referral.rejected": ({"status": "rejected", "reason_code": "out_of_scope"},
                                    ["referrer"], "a été refusé"),
    "referrals.referral.completed": ({"status": "completed"}, ["referrer"], "est terminé"),
    "referrals.referral.failed": ({"status": "failed"}, ["referrer"], "clos sans solution"),
    "referrals.referral.expired": ({"status": "expired"}, ["referrer", "coordinator"],
                                   "a expiré sans réponse"),
    "referrals.referral.redirected": ({}, ["referrer", "handler", "handler2"], "réorienté"),
    "referrals.referral.cancelled": ({"status": "cancelled"}, ["handler", "handler2"],
                                     "a été annulé"),
    "referrals.referral.assigned": ({"assignee": "handler2"}, ["handler2"],
                                    "vous a été attribué"),
    "referrals.referral.reminded": ({"assignee": "handler"}, ["handler", "handler2"],
                                    "Relance"),
}


@pytest.mark.parametrize("event_type", sorted(CASES))
def test_each_referral_event_reaches_the_right_people_in_french_without_personal_data(
        rig, people, mailbox, receiver, event_type):
    changes, told, subject_words = CASES[event_type]
    receiver.start()
    cpts_hook = subscribe(rig, people.cpts, receiver.url, [event_type])
    subscribe(rig, people.ccas, receiver.url, ["registry.meeting.scheduled"])  # not this one
    if "assignee" in changes:
        changes = {**changes, "assignee_member_id": getattr(people, changes.pop("assignee"))}
    data = people.referral(**changes)
    _, outcome = rig.receive(event_type, data)
    assert outcome is Outcome.PROCESSED
    rig.drain()

    expected = sorted(people.email(getattr(people, who)) for who in told)
    assert sorted(a for m in mailbox.messages for a in m["to"]) == expected
    ref = reference(str(data["id"]))
    derived = [ref, str(data["id"]), "Logement", "La Possession", "CPTS Ouest Réunion",
               "CCAS de La Possession", "https://relais.example.org/signalements/",
               "relais.example.org", "urgent"]
    for message in mailbox.messages:
        assert subject_words in message["subject"] and ref in message["subject"]
        assert "Bonjour," in message["text"] and "Logement" in message["text"]
        assert f"https://relais.example.org/signalements/{data['id']}" in message["html"]
        # Random MIME boundaries and the Message-ID (the delivery id) may hold "1950".
        raw = re.sub(r"={3,}\d+==|<[0-9a-f-]+@relais>", "", message["raw"])
        for secret in BENEFICIARY + people.names + [str(data["beneficiary_id"])]:
            assert secret not in raw, secret
        assert leftover_words(message["text"], derived) == set(), "only template + event facts"
    for who in told:
        items = inbox_of(rig, getattr(people, who))
        assert [i.title for i in items] == [mailbox.messages[0]["subject"].removeprefix(
            "[Relais] ")]
    assert count(rig, inbox_items) == len(told), "nobody else, not the inactive handler"

    [hook] = receiver.requests  # the CPTS is concerned by every referral event
    body, headers = hook["body"], hook["headers"]
    assert verify(headers["X-Relais-Signature"], cpts_hook["secret"],
                  int(headers["X-Relais-Timestamp"]), body)
    assert hook["json"]["type"] == event_type and hook["json"]["event_id"]
    allowed = {*derived, str(data["id"]), f"https://relais.example.org/signalements/{data['id']}",
               "housing", "97408", data["status"], mailbox.messages[0]["subject"][9:],
               None}
    for key, value in hook["json"]["data"].items():
        assert value in allowed or key in ("status_label", "urgency"), (key, value)
    for secret in BENEFICIARY + people.names:
        assert secret.encode() not in body
    sent = deliveries_of(rig, status="sent")
    assert len(sent) == 2 * len(told) + 1  # inbox + e-mail per person, one webhook
    assert emitted(rig).count("notifications.delivery.delivered") == len(sent)


def test_a_shared_message_reaches_the_other_side(rig, people, mailbox):
    message = {"id": uuid.uuid4(), "referral_id": uuid.uuid4(),
               "author_member_id": people.referrer, "author_organisation_id": people.cpts,
               "referrer_member_id": people.referrer, "referrer_organisation_id": people.cpts,
               "receiving_organisation_id": people.ccas, "assignee_member_id": people.handler,
               "urgency": "normal", "occurred_at": datetime(2027, 3, 10, tzinfo=UTC)}
    rig.receive("referrals.message.shared", message)
    reply = {**message, "id": uuid.uuid4(), "author_member_id": people.handler,
             "author_organisation_id": people.ccas}
    rig.receive("referrals.message.shared", reply)
    rig.drain()
    assert [m["to"] for m in mailbox.messages] == [[people.email(people.handler)],
                                                   [people.email(people.referrer)]]
    assert all("Nouveau message sur le signalement SIG-" in m["subject"]
               for m in mailbox.messages)


@pytest.mark.parametrize("verb,title", [("scheduled", "Réunion planifiée"),
                                        ("updated", "Réunion modifiée"),
                                        ("cancelled", "Réunion annulée")])
def test_meeting_attendees_hear_of_their_meeting(rig, people, mailbox, verb, title):
    meeting = {"id": uuid.uuid4(), "version": 1, "contract_id": people.contract,
               "body_id": uuid.uuid4(), "body_name": "Comité de pilotage",
               "starts_at": datetime(2027, 4, 2, 12, 30, tzinfo=UTC),
               "member_ids": [people.coordinator, people.referrer]}
    rig.receive(f"registry.meeting.{verb}", meeting)
    rig.drain()
    assert sorted(a for m in mailbox.messages for a in m["to"]) == sorted(
        [people.email(people.coordinator), people.email(people.referrer)])
    assert mailbox.messages[0]["subject"] == (
        f"[Relais] {title} : Comité de pilotage, le 02/04/2027 à 14h30")
    assert "Instance : Comité de pilotage" in mailbox.messages[0]["text"]


def test_an_older_meeting_event_arriving_late_notifies_nobody(rig, people, mailbox):
    meeting = {"id": uuid.uuid4(), "version": 3, "contract_id": people.contract,
               "body_id": uuid.uuid4(), "body_name": "Groupe de travail santé des jeunes",
               "starts_at": datetime(2027, 4, 2, 12, 30, tzinfo=UTC),
               "member_ids": [people.coordinator]}
    rig.receive("registry.meeting.cancelled", meeting)
    rig.receive("registry.meeting.updated", {**meeting, "version": 2})
    rig.drain()
    assert [m["subject"][:24] for m in mailbox.messages] == ["[Relais] Réunion annulée"]


def test_a_member_announced_after_the_event_still_gets_the_email(rig, people, mailbox):
    newcomer = uuid.uuid4()
    rig.receive("referrals.referral.assigned", people.referral(assignee_member_id=newcomer))
    assert rig.drain() == 1 and mailbox.messages == []
    [pending] = deliveries_of(rig, channel="email")
    assert (pending.status, pending.last_error) == ("failed", "recipient unknown or inactive")
    rig.receive("registry.member.created", {
        "id": newcomer, "version": 1, "organisation_id": people.ccas, "roles": ["handler"],
        "active": True, "email": "nouvelle@example.org", "display_name": "Nina Nouvelle"})
    rig.clock.advance(hours=1)
    rig.drain()
    assert [m["to"] for m in mailbox.messages] == [["nouvelle@example.org"]]
    assert "Nina" not in mailbox.messages[0]["raw"]


def test_webhook_payload_is_the_same_minimal_data_as_json(rig, people, receiver):
    receiver.start()
    subscribe(rig, people.ccas, receiver.url, ["referrals.referral.submitted"])
    data = people.referral(urgency="urgent")
    rig.receive("referrals.referral.submitted", data)
    rig.drain()
    [hook] = receiver.requests
    assert set(hook["json"]) == {"delivery_id", "event_id", "type", "organisation_id", "data"}
    ref = reference(str(data["id"]))
    assert hook["json"]["data"]["title"] == f"URGENT : nouveau signalement {ref} reçu"
    assert json.loads(hook["body"])["data"]["commune_name"] == "La Possession"
