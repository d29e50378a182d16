"""The person withdraws their consent: who may record it, what it closes, what it hides."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from services.referrals.store.referral_tables import audit_log, consent_withdrawals
from shared.messaging.schema import outbox
from tests.integration.referrals.conftest import NAME, SURNAME, act, submit

pytestmark = pytest.mark.integration

WITHDRAWAL = {"withdrawn_at": "2026-02-01T15:00:00Z", "recorded_by": "Dr Exemple",
              "note": "Ne souhaite plus être suivie (Zéphyrine)."}


def withdraw(client, member, referral, version=None, **body):
    headers = client.as_(member)
    if version is not False:
        headers["If-Match"] = f'W/"{version or referral["version"]}"'
    return client.post(f"/api/v1/referrals/{referral['id']}/consent-withdrawal",
                       json={**WITHDRAWAL, **body}, headers=headers)


def view(client, member, referral):
    return client.get(f"/api/v1/referrals/{referral['id']}", headers=client.as_(member))


def events(client, routing_key):
    with client.sessions() as session:
        return [json.loads(e) for e in session.execute(
            select(outbox.c.envelope).where(outbox.c.routing_key == routing_key)).scalars()]


@pytest.mark.parametrize("name,expected", [
    ("referrer", 200), ("colleague", 200), ("handler", 200), ("handler2", 200),
    ("other_referrer", 404), ("other_handler", 404), ("sport_handler", 404),
    ("coordinator", 403), ("admin", 403)])
def test_who_may_record_a_withdrawal(client, name, expected):
    referral = submit(client)
    assert client.post(f"/api/v1/referrals/{referral['id']}/consent-withdrawal",
                       json=WITHDRAWAL).status_code == 401
    response = withdraw(client, getattr(client.world, name), referral)
    assert response.status_code == expected, response.json
    if expected != 200:
        assert NAME not in response.get_data(as_text=True)
        assert view(client, client.world.handler, referral).json["status"] == "requested"
    if expected == 404:
        with client.sessions() as session:
            denied = session.execute(select(audit_log.c.purpose).where(
                audit_log.c.action == "denied")).scalars().all()
        assert denied == ["consent_withdrawal"]


def test_the_referrer_withdraws_an_open_referral_it_is_cancelled_and_hidden(client):
    world = client.world
    referral = submit(client)
    accepted = act(client, world.handler, referral, "accept").json
    client.now[0] += timedelta(hours=1)
    response = withdraw(client, world.referrer, accepted)
    assert response.status_code == 200, response.json
    seen = response.json
    assert response.headers["ETag"] == f'W/"{accepted["version"] + 1}"'
    assert (seen["status"], seen["reason_code"]) == ("cancelled", "consent_withdrawn")
    assert seen["closed_at"] is not None
    assert seen["beneficiary"] is None and seen["description"] is None
    assert NAME not in json.dumps(seen) and SURNAME not in json.dumps(seen)
    withdrawal = seen["consent"]["withdrawal"]
    assert withdrawal["withdrawn_at"].startswith("2026-02-01T15:00:00")
    assert withdrawal["recorded_by"] == "Dr Exemple"
    assert withdrawal["recorded_by_member_id"] == world.referrer.id
    assert withdrawal["note"] == WITHDRAWAL["note"], "the recording side keeps its note"
    assert seen["history"][-1]["action"] == "withdraw_consent"
    assert seen["history"][-1]["reason_code"] == "consent_withdrawn"
    assert seen["history"][-1]["comment"] is None, "the note is not shared via the history"
    # The colleague of the same organisation sees no identity either.
    assert view(client, world.colleague, referral).json["beneficiary"] is None
    # The handler keeps it for the record, reads audited; the referrer's note is not theirs.
    as_handler = view(client, world.handler, referral).json
    assert as_handler["beneficiary"]["last_name"] == SURNAME
    assert as_handler["description"] is not None
    assert as_handler["consent"]["withdrawal"]["note"] is None
    with client.sessions() as session:
        purposes = session.execute(select(audit_log.c.purpose).where(
            audit_log.c.member_id == world.handler.id)).scalars().all()
    assert "view_as_handler" in purposes
    cancelled = events(client, "referrals.referral.cancelled")
    assert len(cancelled) == 1
    assert cancelled[0]["data"]["reason_code"] == "consent_withdrawn"
    assert cancelled[0]["data"]["previous_status"] == "accepted"
    assert NAME not in json.dumps(cancelled) and "Ne souhaite" not in json.dumps(cancelled)


def test_a_handler_records_it_messages_stop_and_a_second_withdrawal_conflicts(client):
    world = client.world
    referral = submit(client)
    base = f"/api/v1/referrals/{referral['id']}"
    assert client.post(base + "/messages", json={"body": "Avant"},
                       headers=client.as_(world.referrer)).status_code == 201
    seen = withdraw(client, world.handler, referral, note=None).json
    assert seen["status"] == "cancelled" and seen["beneficiary"]["last_name"] == SURNAME
    assert seen["consent"]["withdrawal"]["recorded_by_organisation_id"] == world.ccas
    for member in (world.handler, world.referrer):
        refused = client.post(base + "/messages", json={"body": "Après"},
                              headers=client.as_(member))
        assert refused.status_code == 409 and refused.json["code"] == "consent_withdrawn"
    assert client.post(base + "/notes", json={"body": "Dossier clos"},
                       headers=client.as_(world.handler)).status_code == 201
    past = client.get(base + "/messages", headers=client.as_(world.referrer)).json["items"]
    assert [m["body"] for m in past] == ["Avant"]
    again = withdraw(client, world.referrer, seen)
    assert again.status_code == 409
    assert act(client, world.handler, seen, "accept").status_code == 409
    with client.sessions() as session:
        assert len(session.execute(select(consent_withdrawals)).all()) == 1


def test_a_closed_referral_keeps_its_status_and_stops_its_pathway(client):
    world = client.world
    first = submit(client, need_category="sport_health", pathway_id=world.pathway,
                   consent={"scope": "pathway"})
    current = act(client, world.sport_handler, first, "accept").json
    completed = act(client, world.sport_handler, current, "complete",
                    outcome_code="need_met").json
    run_url = f"/api/v1/pathway-runs/{first['pathway_run_id']}"
    second_id = client.get(run_url, headers=client.as_(world.referrer)).json["steps"][1][
        "referral_id"]
    seen = withdraw(client, world.referrer, completed).json
    assert (seen["status"], seen["reason_code"]) == ("completed", None)
    assert seen["beneficiary"] is None and seen["consent"]["withdrawal"] is not None
    assert seen["version"] == completed["version"] + 1
    assert client.get(run_url, headers=client.as_(world.referrer)).json["status"] == "stopped"
    second = client.get(f"/api/v1/referrals/{second_id}", headers=client.as_(world.handler)).json
    second = act(client, world.handler, second, "accept").json
    act(client, world.handler, second, "complete", outcome_code="need_met")
    run = client.get(run_url, headers=client.as_(world.referrer)).json
    assert len(run["steps"]) == 2 and run["status"] == "stopped"
    assert len(events(client, "referrals.referral.submitted")) == 2, "no third step opened"
    assert events(client, "referrals.referral.cancelled") == []


def test_withdrawing_an_open_pathway_step_opens_no_further_step(client):
    world = client.world
    first = submit(client, need_category="sport_health", pathway_id=world.pathway)
    seen = withdraw(client, world.sport_handler, first).json
    assert seen["status"] == "cancelled"
    run = client.get(f"/api/v1/pathway-runs/{first['pathway_run_id']}",
                     headers=client.as_(world.referrer)).json
    assert run["status"] == "stopped"
    assert [s["status"] for s in run["steps"]] == ["cancelled", "pending"]


@pytest.mark.parametrize("body,field", [
    ({"withdrawn_at": "2099-01-01T00:00:00Z"}, "withdrawn_at"),
    ({"withdrawn_at": "2025-12-31T00:00:00Z"}, "withdrawn_at"),  # before the consent
    ({"withdrawn_at": "hier"}, "withdrawn_at"),
    ({"withdrawn_at": None}, "withdrawn_at"),
    ({"recorded_by": ""}, "recorded_by"),
    ({"recorded_by": "x" * 201}, "recorded_by"),
    ({"note": ""}, "note"),
    ({"reason": "autre"}, "reason"),
])
def test_bad_bodies_name_the_field(client, body, field):
    referral = submit(client)
    payload = {**WITHDRAWAL, **body}
    response = client.post(f"/api/v1/referrals/{referral['id']}/consent-withdrawal",
                           json=payload,
                           headers=client.as_(client.world.referrer, **{"If-Match": 'W/"1"'}))
    assert response.status_code == 422, response.json
    assert field in [e["field"] for e in response.json["errors"]]


def test_missing_fields_and_if_match(client):
    world = client.world
    referral = submit(client)
    url = f"/api/v1/referrals/{referral['id']}/consent-withdrawal"
    missing = client.post(url, json={}, headers=client.as_(world.referrer,
                                                           **{"If-Match": 'W/"1"'}))
    assert missing.status_code == 422
    assert {e["field"] for e in missing.json["errors"]} >= {"withdrawn_at", "recorded_by"}
    assert withdraw(client, world.referrer, referral, version=False).status_code == 428
    assert withdraw(client, world.referrer, referral, version=7).status_code == 412
    assert client.post(url, json=WITHDRAWAL, headers=client.as_(
        world.referrer, **{"If-Match": "nope"})).status_code == 412
    assert view(client, world.handler, referral).json["consent"]["withdrawal"] is None


def test_anonymisation_erases_the_withdrawal_note(client):
    from services.referrals.commands.retention import anonymise
    world = client.world
    referral = submit(client)
    withdraw(client, world.referrer, referral)
    with client.sessions.begin() as session:
        anonymise(session, client.now[0] + timedelta(days=800), 730, dry_run=False)
    with client.sessions() as session:
        row = session.execute(select(consent_withdrawals)).one()
    assert row.note_enc is None and row.recorded_by == "Dr Exemple"
