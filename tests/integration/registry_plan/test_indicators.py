"""Indicators and measurements through the API; computed ones from referral events."""

import uuid

import pytest

from services.registry import worker
from shared.events import parse_event
from shared.messaging.consumer import EventProcessor, Outcome
from tests.integration.registry_plan.helpers import plan_with_fiche, referral_envelope

pytestmark = pytest.mark.integration


def add_indicator(client, fiche, headers=None, **body):
    response = client.post(f"/api/v1/actions/{fiche}/indicators", json=body,
                           headers=headers or client.admin)
    assert response.status_code == 201, response.json
    return response.json


def test_a_manual_indicator_shows_its_latest_measurement(any_client):
    client = any_client
    _, _, fiche = plan_with_fiche(client)
    followed = add_indicator(client, fiche, name="personnes suivies", unit="personnes",
                             baseline=0, target=200)
    assert followed["current"] == {"value": None, "measured_at": None}
    base = f"/api/v1/indicators/{followed['id']}/measurements"
    for day, value in (("2023-04-18", 120), ("2024-04-18", 150), ("2022-04-18", 80)):
        posted = client.post(base, json={"measured_on": day, "value": value},
                             headers=client.coordinator)
        assert posted.status_code == 201, posted.json
    shown = client.get(f"/api/v1/indicators/{followed['id']}", headers=client.token("referrer"))
    assert shown.json["current"] == {"value": 150, "measured_at": "2024-04-18"}
    assert (shown.json["baseline"], shown.json["target"]) == (0, 200)
    first = client.get(base + "?limit=2", headers=client.token("handler")).json
    rest = client.get(base + f"?limit=2&after={first['next']}", headers=client.admin).json
    assert [m["measured_on"] for m in first["items"] + rest["items"]] == \
        ["2024-04-18", "2023-04-18", "2022-04-18"]
    assert rest["next"] is None


@pytest.mark.parametrize("body,fields", [
    ({"name": ""}, {"name"}),
    ({"name": "x", "source": "computed"}, {"metric"}),
    ({"name": "x", "source": "computed", "metric": "referrals_by_status"}, {"metric_status"}),
    ({"name": "x", "source": "computed", "metric": "referrals_by_status",
      "metric_status": "lost"}, {"metric_status"}),
    ({"name": "x", "metric": "distinct_referrers"}, {"metric"}),
    ({"name": "x", "target": "beaucoup", "colour": 1}, {"target", "colour"}),
])
def test_bad_indicators_are_422s_naming_the_field(client, body, fields):
    _, _, fiche = plan_with_fiche(client)
    response = client.post(f"/api/v1/actions/{fiche}/indicators", json=body,
                           headers=client.admin)
    assert response.status_code == 422
    assert {e["field"] for e in response.json["errors"]} == fields


def test_measurements_are_checked(client):
    _, _, fiche = plan_with_fiche(client)
    manual = add_indicator(client, fiche, name="médecins prescripteurs")
    computed = add_indicator(client, fiche, name="orientations", source="computed",
                             metric="distinct_beneficiaries")
    base = "/api/v1/indicators/{}/measurements"
    future = client.post(base.format(manual["id"]), headers=client.admin,
                         json={"measured_on": "2999-01-01", "value": 41})
    assert (future.status_code, future.json["errors"][0]["field"]) == (422, "measured_on")
    missing = client.post(base.format(manual["id"]), headers=client.admin, json={"value": 41})
    assert missing.json["errors"][0]["field"] == "measured_on"
    refused = client.post(base.format(computed["id"]), headers=client.admin,
                          json={"measured_on": "2024-01-01", "value": 3})
    assert refused.status_code == 409


def test_an_indicator_is_changed_and_deleted(client):
    _, _, fiche = plan_with_fiche(client)
    indicator = add_indicator(client, fiche, name="médecins prescripteurs", target=40)
    changed = client.patch(f"/api/v1/indicators/{indicator['id']}", headers=client.coordinator,
                           json={"target": 50, "unit": "médecins"})
    assert (changed.json["target"], changed.json["version"]) == (50, 2)
    wrong = client.patch(f"/api/v1/indicators/{indicator['id']}", headers=client.admin,
                         json={"source": "computed"})
    assert (wrong.status_code, wrong.json["errors"][0]["field"]) == (422, "metric")
    assert client.delete(f"/api/v1/indicators/{indicator['id']}",
                         headers=client.admin).status_code == 204
    assert client.get(f"/api/v1/actions/{fiche}/indicators",
                      headers=client.admin).json["items"] == []


def test_computed_indicators_follow_referral_events_redelivered_or_late(any_client):
    client = any_client
    contract, _, fiche = plan_with_fiche(client)
    _, _, other_fiche = plan_with_fiche(client, code="AUTRE", contract=client.contract("Autre"))
    for name, metric, status in (("personnes orientées", "distinct_beneficiaries", None),
                                 ("médecins orienteurs", "distinct_referrers", None),
                                 ("orientations acceptées", "referrals_by_status", "accepted"),
                                 ("orientations terminées", "referrals_by_status", "completed")):
        add_indicator(client, fiche, name=name, source="computed", metric=metric,
                      metric_status=status)
    processor = EventProcessor(consumer=worker.QUEUE, session_factory=client.sessions,
                               handlers=worker.HANDLERS)
    ben_a, ben_b, gp_1, gp_2 = (uuid.uuid4() for _ in range(4))
    r1, r2, r3, r4 = (uuid.uuid4() for _ in range(4))
    common = {"action_id": fiche, "contract_id": contract}
    submitted = referral_envelope(r1, 1, "requested", beneficiary=ben_a, referrer=gp_1, **common)
    accepted_r1 = referral_envelope(r1, 2, "accepted", beneficiary=ben_a, referrer=gp_1,
                                    minutes=5, **common)
    completed_r1 = referral_envelope(r1, 3, "completed", beneficiary=ben_a, referrer=gp_1,
                                     minutes=9, **common)
    envelopes = [
        submitted, completed_r1,
        accepted_r1,  # out of order: older than what is held, changes nothing
        completed_r1,  # redelivered: the framework recognises its id
        referral_envelope(r2, 1, "requested", beneficiary=ben_a, referrer=gp_2, **common),
        referral_envelope(r2, 2, "accepted", beneficiary=ben_a, referrer=gp_2, minutes=2,
                          **common),
        referral_envelope(r3, 2, "accepted", beneficiary=ben_b, referrer=gp_1, minutes=1,
                          **common),
        referral_envelope(r4, 1, "requested", beneficiary=uuid.uuid4(), referrer=gp_2,
                          action_id=other_fiche),  # another fiche's referral
        referral_envelope(uuid.uuid4(), 1, "requested", beneficiary=uuid.uuid4(),
                          referrer=uuid.uuid4(), action_id=None),  # under no fiche
    ]
    outcomes = [processor.process(envelope) for envelope in envelopes]
    assert outcomes.count(Outcome.DUPLICATE) == 1
    assert outcomes.count(Outcome.PROCESSED) == len(envelopes) - 1

    values = {i["name"]: i["current"]["value"] for i in client.get(
        f"/api/v1/actions/{fiche}/indicators", headers=client.token("referrer")).json["items"]}
    assert values == {"personnes orientées": 2, "médecins orienteurs": 2,
                      "orientations acceptées": 2, "orientations terminées": 1}
    # The handler itself, fed directly, is just as indifferent to an old version.
    with client.sessions.begin() as session:
        worker.apply_referral_changed(session, parse_event(accepted_r1))
    again = client.get(f"/api/v1/actions/{fiche}/indicators", headers=client.admin).json
    assert {i["name"]: i["current"]["value"] for i in again["items"]} == values
    measured = {i["name"]: i["current"]["measured_at"] for i in again["items"]}
    assert measured["personnes orientées"].startswith("2026-03-02T09:09")
