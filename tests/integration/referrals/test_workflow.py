"""The workflow over HTTP: every step recorded and published, If-Match, roles, states."""

import json

import pytest
from sqlalchemy import select

from shared.messaging.schema import outbox
from tests.integration.referrals.conftest import act, submit

pytestmark = pytest.mark.integration


def event_types(client):
    with client.sessions() as session:
        return [r for r in session.execute(select(outbox.c.routing_key).order_by(outbox.c.seq))
                .scalars()]


def test_a_referral_goes_from_requested_to_completed_and_the_referrer_sees_it(client):
    world = client.world
    referral = submit(client)
    steps = [("accept", {}), ("start", {}), ("hold", {"comment": "En attente de pièces"}),
             ("resume", {}), ("complete", {"outcome_code": "rights_opened",
                                           "text": "Droits ouverts à la CAF"})]
    for action, extra in steps:
        response = act(client, world.handler, referral, action, **extra)
        assert response.status_code == 200, response.json
        assert response.headers["ETag"] == f'W/"{referral["version"] + 1}"'
        referral = response.json
    assert referral["status"] == "completed" and referral["closed_at"]
    seen = client.get(f"/api/v1/referrals/{referral['id']}", headers=client.as_(world.referrer))
    assert seen.json["outcome_code"] == "rights_opened"
    assert seen.json["outcome_text"] == "Droits ouverts à la CAF"
    assert [(h["from_status"], h["to_status"]) for h in seen.json["history"]] == [
        (None, "requested"), ("requested", "accepted"), ("accepted", "in-progress"),
        ("in-progress", "on-hold"), ("on-hold", "in-progress"), ("in-progress", "completed")]
    assert seen.json["history"][3]["comment"] == "En attente de pièces"
    assert all(h["actor_member_id"] == world.handler.id for h in seen.json["history"][1:])
    assert event_types(client) == [f"referrals.referral.{v}" for v in (
        "submitted", "accepted", "started", "held", "resumed", "completed")]
    with client.sessions() as session:
        last = json.loads(session.execute(select(outbox.c.envelope).order_by(
            outbox.c.seq.desc())).scalars().first())["data"]
    assert (last["previous_status"], last["status"], last["version"]) == (
        "in-progress", "completed", 6)


def test_if_match_is_required_and_a_stale_version_is_refused(client):
    world = client.world
    referral = submit(client)
    url = f"/api/v1/referrals/{referral['id']}/transitions"
    missing = client.post(url, json={"action": "accept"}, headers=client.as_(world.handler))
    assert (missing.status_code, missing.json["code"]) == (428, "precondition_required")
    # Two agents read version 1; the first wins, the second is told, nothing is overwritten.
    first = act(client, world.handler, referral, "accept")
    second = act(client, world.handler2, referral, "reject", reason_code="out_of_scope")
    assert first.status_code == 200
    assert (second.status_code, second.json["code"]) == (412, "precondition_failed")
    garbage = client.post(url, json={"action": "start"},
                          headers=client.as_(world.handler, **{"If-Match": "nonsense"}))
    assert garbage.status_code == 412
    assert event_types(client) == ["referrals.referral.submitted", "referrals.referral.accepted"]


@pytest.mark.parametrize("who,action,extra,status", [
    ("referrer", "accept", {}, 403),
    ("handler", "cancel", {}, 403),
    ("handler", "complete", {"outcome_code": "need_met"}, 409),
    ("handler", "resume", {}, 409),
    ("handler", "reject", {}, 422),
    ("handler", "reject", {"reason_code": "because"}, 422),
    ("handler", "accept", {"outcome_code": "need_met"}, 422),
    ("handler", "expire", {}, 422),
])
def test_illegal_moves_are_refused_clearly(client, who, action, extra, status):
    referral = submit(client)
    response = act(client, getattr(client.world, who), referral, action, **extra)
    assert response.status_code == status, response.json
    assert response.content_type == "application/problem+json"
    assert event_types(client) == ["referrals.referral.submitted"]


def test_the_referrer_cancels_and_a_closed_referral_moves_no_more(client):
    world = client.world
    referral = submit(client)
    cancelled = act(client, world.colleague, referral, "cancel", comment="La personne a déménagé")
    assert cancelled.json["status"] == "cancelled"
    again = act(client, world.handler, cancelled.json, "accept")
    assert again.status_code == 409


def test_rejection_needs_a_listed_reason(client):
    referral = submit(client)
    response = act(client, client.world.handler, referral, "reject",
                   reason_code="already_followed", text="Suivie par le CCAS depuis 2024")
    assert response.json["status"] == "rejected"
    assert response.json["reason_text"] == "Suivie par le CCAS depuis 2024"


def test_a_handler_redirects_to_another_organisation_with_a_reason(client):
    world = client.world
    referral = submit(client)
    response = client.post(
        f"/api/v1/referrals/{referral['id']}/redirection",
        json={"organisation_id": world.ccas_other, "reason": "Domiciliée à Maisons-Alfort"},
        headers=client.as_(world.handler, **{"If-Match": 'W/"1"'}))
    assert response.status_code == 200, response.json
    assert response.json["receiving_organisation_id"] == world.ccas_other
    url = f"/api/v1/referrals/{referral['id']}"
    assert client.get(url, headers=client.as_(world.handler)).status_code == 404
    assert client.get(url, headers=client.as_(world.other_handler)).status_code == 200
    with client.sessions() as session:
        data = json.loads(session.execute(select(outbox.c.envelope).order_by(
            outbox.c.seq.desc())).scalars().first())
    assert data["type"] == "referrals.referral.redirected"
    assert data["data"]["previous_organisation_id"] == world.ccas
    unknown = client.post(
        f"/api/v1/referrals/{referral['id']}/redirection",
        json={"organisation_id": world.contract, "reason": "x"},
        headers=client.as_(world.other_handler, **{"If-Match": 'W/"2"'}))
    assert unknown.status_code == 422 and unknown.json["errors"][0]["field"] == "organisation_id"


def test_assignment_to_a_handler_of_the_organisation_only(client):
    world = client.world
    referral = submit(client)
    url = f"/api/v1/referrals/{referral['id']}/assignment"
    outsider = client.put(url, json={"assignee_member_id": world.other_handler.id},
                          headers=client.as_(world.handler, **{"If-Match": 'W/"1"'}))
    assert outsider.status_code == 422
    assert outsider.json["errors"][0]["field"] == "assignee_member_id"
    assigned = client.put(url, json={"assignee_member_id": world.handler2.id},
                          headers=client.as_(world.handler, **{"If-Match": 'W/"1"'}))
    assert assigned.json["assignee_member_id"] == world.handler2.id
    assert event_types(client)[-1] == "referrals.referral.assigned"
    by_referrer = client.put(url, json={"assignee_member_id": None},
                             headers=client.as_(world.referrer, **{"If-Match": 'W/"2"'}))
    assert by_referrer.status_code == 403
