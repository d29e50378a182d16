"""The notifications rules, without a database: recipients, preferences, digest slots,
retries, signatures, and the French text that never holds a person's data."""

import uuid
from datetime import UTC, date, datetime

import pytest

from services.notifications.channels import rendering
from services.notifications.domain import preferences as prefs
from services.notifications.domain.digest import current_slot
from services.notifications.domain.ids import new_id
from services.notifications.domain.messages import Lookups, reference, summary, title
from services.notifications.domain.recipients import concerned_organisations, recipients
from services.notifications.domain.retry import DeliveryRetryPolicy
from services.notifications.domain.signing import signature_header, verify

pytestmark = pytest.mark.unit

REFERRER, ASSIGNEE, COORD = (uuid.uuid4() for _ in range(3))
H1, H2 = sorted([uuid.uuid4(), uuid.uuid4()])
REFERRER_ORG, CCAS, OTHER_CCAS, CONTRACT = (uuid.uuid4() for _ in range(4))


class FakeDirectory:
    def handlers_of(self, organisation_id):
        return {CCAS: [H1, H2], OTHER_CCAS: [H2]}.get(organisation_id, [])

    def coordinator_of(self, contract_id):
        return COORD if contract_id == CONTRACT else None


def referral(**changes):
    data = {"id": str(uuid.uuid4()), "version": 2, "contract_id": str(CONTRACT),
            "beneficiary_id": str(uuid.uuid4()), "need_category": "housing",
            "commune": "97408", "urgency": "normal", "status": "accepted",
            "referrer_member_id": str(REFERRER), "referrer_organisation_id": str(REFERRER_ORG),
            "receiving_organisation_id": str(CCAS), "assignee_member_id": None,
            "actor_member_id": None, "occurred_at": "2027-03-10T09:00:00+00:00"}
    return {**data, **changes}


@pytest.mark.parametrize("verb,extra,expected", [
    ("submitted", {}, [H1, H2]),
    ("accepted", {}, [REFERRER]), ("rejected", {}, [REFERRER]), ("started", {}, [REFERRER]),
    ("held", {}, [REFERRER]), ("resumed", {}, [REFERRER]), ("completed", {}, [REFERRER]),
    ("failed", {}, [REFERRER]),
    ("expired", {}, [REFERRER, COORD]),
    ("redirected", {"receiving_organisation_id": str(OTHER_CCAS)}, [REFERRER, H2]),
    ("cancelled", {}, [H1, H2]),
    ("cancelled", {"assignee_member_id": str(ASSIGNEE)}, [ASSIGNEE]),
    ("assigned", {"assignee_member_id": str(ASSIGNEE)}, [ASSIGNEE]),
    ("reminded", {"assignee_member_id": str(ASSIGNEE)}, [H1, H2, ASSIGNEE]),
])
def test_each_referral_event_reaches_the_people_the_table_names(verb, extra, expected):
    found = recipients(f"referrals.referral.{verb}", referral(**extra), FakeDirectory())
    assert [r.member_id for r in found] == expected


def test_whoever_acted_is_not_told_and_nobody_is_told_twice():
    data = referral(assignee_member_id=str(H1), actor_member_id=str(H2))
    found = recipients("referrals.referral.reminded", data, FakeDirectory())
    assert [r.member_id for r in found] == [H1]


def test_an_urgent_submission_is_the_critical_kind():
    found = recipients("referrals.referral.submitted", referral(urgency="urgent"), FakeDirectory())
    assert {r.kind for r in found} == {prefs.URGENT_SUBMISSION}


def test_a_shared_message_goes_to_the_other_side():
    message = {"id": str(uuid.uuid4()), "referral_id": str(uuid.uuid4()),
               "author_member_id": str(REFERRER), "author_organisation_id": str(REFERRER_ORG),
               "referrer_member_id": str(REFERRER), "referrer_organisation_id": str(REFERRER_ORG),
               "receiving_organisation_id": str(CCAS), "assignee_member_id": None,
               "urgency": "normal"}
    to_handlers = recipients("referrals.message.shared", message, FakeDirectory())
    assert [r.member_id for r in to_handlers] == [H1, H2]
    with_assignee = recipients("referrals.message.shared",
                               {**message, "assignee_member_id": str(ASSIGNEE)}, FakeDirectory())
    assert [r.member_id for r in with_assignee] == [ASSIGNEE]
    answer = {**message, "author_member_id": str(H1), "author_organisation_id": str(CCAS)}
    assert [r.member_id for r in recipients("referrals.message.shared", answer,
                                            FakeDirectory())] == [REFERRER]


def test_meeting_members_are_told_and_their_organisations_concerned():
    meeting = {"member_ids": [str(H1), str(COORD)]}
    found = recipients("registry.meeting.scheduled", meeting, FakeDirectory())
    assert [r.member_id for r in found] == [H1, COORD]
    assert concerned_organisations("registry.meeting.scheduled", meeting,
                                   {H1: CCAS, COORD: CCAS}) == [CCAS]
    assert concerned_organisations("referrals.referral.redirected",
                                   referral(previous_organisation_id=str(OTHER_CCAS)),
                                   {}) == [REFERRER_ORG, CCAS, OTHER_CCAS]


@pytest.mark.parametrize("kind,channel,mode,field", [
    (prefs.URGENT_SUBMISSION, "email", "off", "mode"),
    (prefs.URGENT_SUBMISSION, "in_app", "off", "mode"),
    (prefs.URGENT_SUBMISSION, "email", "digest", "mode"),
    ("referrals.referral.accepted", "in_app", "digest", "mode"),
    ("referrals.referral.accepted", "sms", "off", "channel"),
    ("referrals.referral.eaten", "email", "off", "event_type"),
    ("referrals.referral.accepted", "email", "sometimes", "mode"),
])
def test_preferences_refused_name_their_field(kind, channel, mode, field):
    with pytest.raises(prefs.InvalidPreference) as refused:
        prefs.validate(kind, channel, mode)
    assert refused.value.field == field


def test_resolution_critical_then_member_then_organisation_then_default():
    accepted = "referrals.referral.accepted"
    assert prefs.resolve(prefs.URGENT_SUBMISSION, "email", "off", "off") == ("immediately",
                                                                              "critical")
    assert prefs.resolve(accepted, "email", "digest", "off") == ("digest", "member")
    assert prefs.resolve(accepted, "email", None, "off") == ("off", "organisation")
    assert prefs.resolve(accepted, "email", None, None) == ("immediately", "default")
    assert prefs.resolve("referrals.referral.held", "email", None, None) == ("digest", "default")


@pytest.mark.parametrize("moment,expected", [
    (datetime(2027, 3, 10, 6, 59, tzinfo=UTC), date(2027, 3, 10)),   # 07:59 Paris (CET), hour 7
    (datetime(2027, 3, 10, 5, 59, tzinfo=UTC), date(2027, 3, 9)),    # 06:59 Paris: yesterday's
    (datetime(2027, 7, 10, 5, 0, tzinfo=UTC), date(2027, 7, 10)),    # 07:00 Paris (CEST)
    (datetime(2027, 7, 10, 4, 59, tzinfo=UTC), date(2027, 7, 9)),
])
def test_the_digest_slot_follows_paris_time_across_daylight_saving(moment, expected):
    assert current_slot(moment, 7).date() == expected
    assert current_slot(moment, 7).hour == 7


def test_backoff_grows_with_jitter_and_is_bounded():
    policy = DeliveryRetryPolicy(max_attempts=4, base_delay=10, max_delay=60)
    for attempts, ceiling in [(1, 10), (2, 20), (3, 40), (4, 60), (9, 60)]:
        delays = {policy.delay(attempts) for _ in range(20)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1, "jitter"
    assert not policy.gives_up(3) and policy.gives_up(4)


def test_signatures_during_a_rotation_verify_with_either_secret():
    body, ts = b'{"a":1}', 1_800_000_000
    header = signature_header(["new", "old"], ts, body)
    assert header.count("sha256=") == 2
    assert verify(header, "new", ts, body) and verify(header, "old", ts, body)
    assert not verify(header, "other", ts, body)
    assert not verify(header, "new", ts + 1, body), "the timestamp is signed"
    assert not verify(signature_header(["new"], ts, body), "old", ts, body)


def test_ids_are_time_ordered_version_7():
    first, second = new_id(1_000), new_id(2_000)
    assert first.version == 7 and first < second


LOOKUPS = Lookups(organisation_name=lambda i: {str(CCAS): "CCAS de La Possession",
                                               str(REFERRER_ORG): "CPTS Ouest"}.get(str(i)),
                  category_label=lambda c: "Logement", commune_name=lambda c: "La Possession")


def test_summary_and_title_are_french_and_minimal():
    data = referral(status="accepted")
    facts = summary("referrals.referral.accepted", data, LOOKUPS)
    assert title("referrals.referral.accepted", facts) == (
        f"Votre signalement {reference(data['id'])} a été accepté")
    assert facts["status_label"] == "accepté" and facts["commune_name"] == "La Possession"
    assert facts["path"] == f"/signalements/{data['id']}"
    assert data["beneficiary_id"] not in str(facts), "not even the pseudonymous id"
    meeting = summary("registry.meeting.scheduled", {
        "id": "m1", "body_name": "Comité de pilotage",
        "starts_at": "2027-03-12T13:00:00+00:00", "member_ids": []}, LOOKUPS)
    assert title("registry.meeting.scheduled", meeting) == (
        "Réunion planifiée : Comité de pilotage, le 12/03/2027 à 14h00")


def test_templates_render_only_whitelisted_facts_escaped():
    facts = summary("referrals.referral.submitted", referral(status="requested"), LOOKUPS)
    facts["title"] = title("referrals.referral.submitted", facts)
    # Whatever slips into a summary, a template cannot show it.
    leaked = {**facts, "beneficiary_name": "Jeanne Dupont", "birth_date": "1950-02-03",
              "description": "diabète", "display_name": "Camille Martin"}
    subject, text, html = rendering.notification(leaked, "https://relais.example.org")
    for secret in ("Jeanne", "Dupont", "1950", "diabète", "Camille"):
        assert secret not in subject + text + html
    assert "Bonjour," in text and "Catégorie du besoin : Logement" in text
    assert f"https://relais.example.org/signalements/{facts['referral_id']}" in html
    hostile = {**facts, "receiving_organisation_name": "<script>x</script>"}
    assert "<script>" not in rendering.notification(hostile, "https://r")[2]
