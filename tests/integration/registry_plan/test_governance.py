"""Governance bodies and meetings: members, decisions linked to fiches, meeting events."""

import json
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from services.registry.store.tables import metadata
from tests.integration.registry_plan.helpers import plan_with_fiche

pytestmark = pytest.mark.integration


def make_body(client, contract, **values):
    body = {"kind": "steering_committee", "name": "Comité de pilotage", **values}
    response = client.post(f"/api/v1/contracts/{contract}/bodies", json=body,
                           headers=client.admin)
    assert response.status_code == 201, response.json
    return response.json


def meeting_events(client):
    return [(key, json.loads(envelope)["data"]) for key, envelope in client.outbox()
            if key.startswith("registry.meeting.")]


def test_a_meeting_is_scheduled_rescheduled_and_cancelled_with_its_events(any_client):
    client = any_client
    contract, _, fiche = plan_with_fiche(client)
    ccas = client.organisation()
    body = make_body(client, contract, members=[
        {"organisation_id": ccas, "role": "co-pilote"}])
    scheduled = client.post(f"/api/v1/bodies/{body['id']}/meetings", headers=client.coordinator,
                            json={"starts_at": "2026-12-03T14:00:00+04:00",
                                  "place": "Mairie de La Possession",
                                  "agenda": "Bilan annuel du CLS"})
    assert scheduled.status_code == 201, scheduled.json
    meeting = scheduled.json
    assert meeting["starts_at"].startswith("2026-12-03T10:00:00")  # stored in UTC
    moved = client.patch(f"/api/v1/meetings/{meeting['id']}", headers=client.admin, json={
        "starts_at": "2026-12-10T14:00:00+04:00",
        "decisions": [{"text": "Étendre Sport sur Ordonnance", "action_ids": [fiche]}]})
    assert (moved.status_code, moved.json["version"]) == (200, 2)
    assert moved.json["decisions"] == [{"text": "Étendre Sport sur Ordonnance",
                                        "action_ids": [fiche]}]
    cancelled = client.patch(f"/api/v1/meetings/{meeting['id']}", headers=client.admin,
                             json={"status": "cancelled"})
    assert (cancelled.json["status"], cancelled.json["version"]) == ("cancelled", 3)
    closed = client.patch(f"/api/v1/meetings/{meeting['id']}", headers=client.admin,
                          json={"place": "Ailleurs"})
    assert closed.status_code == 409
    events = meeting_events(client)
    assert [(key, data["version"]) for key, data in events] == [
        ("registry.meeting.scheduled", 1), ("registry.meeting.updated", 2),
        ("registry.meeting.cancelled", 3)]
    assert events[0][1]["body_name"] == "Comité de pilotage"
    assert events[0][1]["starts_at"].startswith("2026-12-03T10:00:00")
    assert events[0][1]["member_ids"] == []  # an organisation seat has no account to remind


def test_the_meeting_event_names_the_members_with_accounts(client):
    contract = client.contract()
    seats = [{"organisation_id": client.organisation("ARS", "ars"), "role": "membre"},
             {"member_id": _insert_member(client), "role": "présidence"},
             {"member_id": _insert_member(client), "role": "secrétariat"}]
    body = make_body(client, contract, members=seats)
    client.post(f"/api/v1/bodies/{body['id']}/meetings", headers=client.admin,
                json={"starts_at": "2027-01-15T09:30:00Z"})
    (_, data), = meeting_events(client)
    assert data["member_ids"] == sorted(seat["member_id"] for seat in seats
                                        if "member_id" in seat)
    assert data["contract_id"] == contract and data["body_id"] == body["id"]


def _insert_member(client) -> str:
    """A member straight into the directory's table (its API is another part's)."""
    table = metadata.tables["members"]
    member_id = uuid.uuid4()
    organisation = uuid.UUID(client.organisation("CPTS Ouest", "cpts"))
    now = datetime.now(UTC)
    values = {"id": member_id, "organisation_id": organisation,
              "email": f"{member_id.hex[:8]}@example.org",
              "email_key": f"{member_id.hex[:8]}@example.org", "display_name": "Dr Exemple",
              "roles": "coordinator", "active": True, "version": 1, "created_at": now,
              "updated_at": now}
    values = {k: v for k, v in values.items() if k in table.c}
    with client.sessions.begin() as session:
        session.execute(insert(table).values(**values))
    return str(member_id)


@pytest.mark.parametrize("payload,field", [
    ({"kind": "council"}, "kind"),
    ({"name": ""}, "name"),
    ({"members": [{"role": "membre"}]}, "members.0.member_id"),
    ({"members": [{"member_id": "6d6bc68f-4881-4159-b0f3-317b52ed8009", "role": "membre"}]},
     "members.0.member_id"),
    ({"members": [{"organisation_id": "6d6bc68f-4881-4159-b0f3-317b52ed8009",
                   "role": "membre"}]}, "members.0.organisation_id"),
    ({"members": [{"organisation_id": "6d6bc68f-4881-4159-b0f3-317b52ed8009"}]},
     "members.0.role"),
])
def test_bad_bodies_are_422s_naming_the_field(client, payload, field):
    contract = client.contract()
    response = client.post(f"/api/v1/contracts/{contract}/bodies", headers=client.admin,
                           json={"kind": "working_group", "name": "Santé des jeunes", **payload})
    assert response.status_code == 422, response.json
    assert [e["field"] for e in response.json["errors"]] == [field]


@pytest.mark.parametrize("payload,field", [
    ({"starts_at": "2026-12-03T14:00:00"}, "starts_at"),
    ({}, "starts_at"),
    ({"starts_at": "2026-12-03T14:00:00Z", "decisions": [{"text": ""}]}, "decisions.0.text"),
    ({"starts_at": "2026-12-03T14:00:00Z", "status": "cancelled"}, "status"),
])
def test_bad_meetings_are_422s_naming_the_field(client, payload, field):
    contract = client.contract()
    body = make_body(client, contract)
    response = client.post(f"/api/v1/bodies/{body['id']}/meetings", headers=client.admin,
                           json=payload)
    assert response.status_code == 422, response.json
    assert [e["field"] for e in response.json["errors"]] == [field]
    assert meeting_events(client) == []


def test_decisions_link_only_fiches_of_the_same_contract(client):
    contract = client.contract()
    _, _, foreign_fiche = plan_with_fiche(client, contract=client.contract("Autre CLS"))
    body = make_body(client, contract)
    response = client.post(f"/api/v1/bodies/{body['id']}/meetings", headers=client.admin, json={
        "starts_at": "2026-12-03T14:00:00Z",
        "decisions": [{"text": "Valider", "action_ids": [foreign_fiche]}]})
    assert (response.status_code, response.json["errors"][0]["field"]) == \
        (422, "decisions.0.action_ids")


def test_bodies_and_meetings_are_listed_filtered_and_paginated(any_client):
    client = any_client
    contract = client.contract()
    copil = make_body(client, contract)
    groups = [make_body(client, contract, kind="working_group", name=name, theme=name)
              for name in ("Santé des jeunes", "Habitat insalubre", "Santé des femmes")]
    listed = client.get(f"/api/v1/contracts/{contract}/bodies?kind=working_group&limit=2",
                        headers=client.token("referrer")).json
    rest = client.get(f"/api/v1/contracts/{contract}/bodies?kind=working_group&limit=2"
                      f"&after={listed['next']}", headers=client.token("referrer")).json
    assert sorted(b["name"] for b in listed["items"] + rest["items"]) == \
        sorted(g["name"] for g in groups)
    for day in ("2027-03-01", "2026-12-03", "2027-06-01"):
        client.post(f"/api/v1/bodies/{copil['id']}/meetings", headers=client.admin,
                    json={"starts_at": f"{day}T09:00:00+01:00"})
    client.post(f"/api/v1/bodies/{groups[0]['id']}/meetings", headers=client.admin,
                json={"starts_at": "2027-01-10T09:00:00Z"})
    base = f"/api/v1/contracts/{contract}/meetings"
    page = client.get(base + f"?body_id={copil['id']}&limit=2", headers=client.admin).json
    more = client.get(base + f"?body_id={copil['id']}&limit=2&after={page['next']}",
                      headers=client.admin).json
    assert [m["starts_at"][:10] for m in page["items"] + more["items"]] == \
        ["2026-12-03", "2027-03-01", "2027-06-01"]
    since = client.get(base + "?since=2027-02-01T00:00:00Z", headers=client.admin).json
    assert [m["starts_at"][:10] for m in since["items"]] == ["2027-03-01", "2027-06-01"]


def test_a_body_that_met_is_kept_and_an_empty_one_is_deleted(client):
    contract = client.contract()
    met, empty = make_body(client, contract), make_body(client, contract, name="Comité technique",
                                                        kind="technical_committee")
    client.post(f"/api/v1/bodies/{met['id']}/meetings", headers=client.admin,
                json={"starts_at": "2026-12-03T14:00:00Z"})
    assert client.delete(f"/api/v1/bodies/{met['id']}", headers=client.admin).status_code == 409
    assert client.delete(f"/api/v1/bodies/{empty['id']}",
                         headers=client.admin).status_code == 204
    renamed = client.patch(f"/api/v1/bodies/{met['id']}", headers=client.coordinator,
                           json={"name": "COPIL du CLS"})
    assert (renamed.json["name"], renamed.json["version"]) == ("COPIL du CLS", 2)
