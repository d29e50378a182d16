"""Handling in the CCAS: filters, keyset pagination, CSV export, duplicates, pathways."""

import csv
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from services.referrals.store.referral_tables import audit_log
from shared.messaging.schema import outbox
from tests.integration.referrals.conftest import NAME, SURNAME, act, intake, submit

pytestmark = pytest.mark.integration


def listed(client, member, query=""):
    response = client.get(f"/api/v1/referrals{query}", headers=client.as_(member))
    assert response.status_code == 200, response.json
    return response.json


def test_filters_and_keyset_pagination_walk_every_referral_once(client):
    world = client.world
    made = []
    for i in range(7):
        made.append(submit(client, urgency="urgent" if i % 2 else "normal",
                           need_category="housing" if i < 2 else "social_rights")["id"])
        client.now[0] += timedelta(minutes=1)
    seen, cursor = [], None
    while True:
        page = listed(client, world.handler, "?limit=3" + (f"&after={cursor}" if cursor else ""))
        seen += [item["id"] for item in page["items"]]
        if not (cursor := page["next"]):
            break
    assert seen == made, "oldest first, each once"
    assert len(listed(client, world.handler, "?urgency=urgent")["items"]) == 3
    assert len(listed(client, world.handler, "?need_category=housing")["items"]) == 2
    assert len(listed(client, world.handler, "?status=requested&status=accepted")["items"]) == 7
    assert listed(client, world.handler, "?commune=97408")["items"] == []
    start = (client.now[0] - timedelta(minutes=3)).isoformat().replace("+00:00", "Z")
    assert len(listed(client, world.handler, f"?submitted_from={start}")["items"]) == 3
    bad = client.get("/api/v1/referrals?after=garbage", headers=client.as_(world.handler))
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "after"
    too_many = client.get("/api/v1/referrals?limit=500", headers=client.as_(world.handler))
    assert too_many.status_code == 422


def test_assignee_filter_and_the_triage_queue(client):
    world = client.world
    first, second = submit(client), submit(client)
    client.put(f"/api/v1/referrals/{first['id']}/assignment",
               json={"assignee_member_id": world.handler2.id},
               headers=client.as_(world.handler, **{"If-Match": 'W/"1"'}))
    act(client, world.handler, second, "accept")
    mine = listed(client, world.handler, f"?assignee={world.handler2.id}")["items"]
    assert [i["id"] for i in mine] == [first["id"]]
    queue = listed(client, world.handler, "?status=requested")["items"]
    assert [i["id"] for i in queue] == [first["id"]]
    assert [i["id"] for i in listed(client, world.handler, "?unassigned=true")["items"]] == [
        second["id"]]


def test_csv_export_identity_for_handlers_only_and_audited(client):
    world = client.world
    submit(client, beneficiary={"last_name": "=HYPERLINK(1)"})
    response = client.get("/api/v1/referrals/export.csv", headers=client.as_(world.handler))
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][-5:] == ["last_name", "first_name", "birth_date", "phone", "email"]
    assert rows[1][-5] == "'=HYPERLINK(1)", "formulas are neutralised"
    as_referrer = client.get("/api/v1/referrals/export.csv", headers=client.as_(world.referrer))
    text = as_referrer.get_data(as_text=True)
    assert as_referrer.status_code == 200 and NAME not in text and "last_name" not in text
    assert client.get("/api/v1/referrals/export.csv",
                      headers=client.as_(world.coordinator)).status_code == 403
    assert client.get("/api/v1/referrals/export.csv").status_code == 401
    with client.sessions() as session:
        exports = session.execute(select(audit_log.c.member_id).where(
            audit_log.c.action == "export")).scalars().all()
    assert sorted(exports) == sorted([world.handler.id, world.referrer.id])


def test_the_same_person_and_need_within_30_days_is_flagged_not_blocked(client):
    world = client.world
    first = submit(client)
    client.now[0] += timedelta(days=3)
    # Typed differently by another professional: still the same person.
    second = submit(client, member=world.other_referrer, beneficiary={
        "first_name": "zephyrine", "last_name": "QUENOUILLE abracadabra"})
    other_need = submit(client, need_category="housing")
    client.now[0] += timedelta(days=40)
    late = submit(client)
    view = client.get(f"/api/v1/referrals/{second['id']}", headers=client.as_(world.handler)).json
    assert view["possible_duplicates"] == [first["id"]]
    assert other_need["id"] not in view["possible_duplicates"]
    late_view = client.get(f"/api/v1/referrals/{late['id']}",
                           headers=client.as_(world.handler)).json
    assert late_view["possible_duplicates"] == []
    as_referrer = client.get(f"/api/v1/referrals/{first['id']}",
                             headers=client.as_(world.referrer)).json
    assert "possible_duplicates" not in as_referrer


def test_a_pathway_opens_each_step_for_the_same_person_and_everyone_sees_progress(client):
    world = client.world
    first = submit(client, need_category="sport_health", pathway_id=world.pathway,
                   consent={"scope": "pathway"})
    assert first["receiving_organisation_id"] == world.sport
    assert first["step_position"] == 1
    run_url = f"/api/v1/pathway-runs/{first['pathway_run_id']}"
    assert client.get(run_url, headers=client.as_(world.referrer)).json["current_position"] == 1
    current = first
    for action, extra in (("accept", {}), ("complete", {"outcome_code": "need_met"})):
        current = act(client, world.sport_handler, current, action, **extra).json
    run = client.get(run_url, headers=client.as_(world.handler)).json
    assert [s["status"] for s in run["steps"]] == ["completed", "requested"]
    second_id = run["steps"][1]["referral_id"]
    second = client.get(f"/api/v1/referrals/{second_id}", headers=client.as_(world.handler)).json
    assert second["beneficiary"]["last_name"] == SURNAME, "same person, same identity"
    assert (second["receiving_organisation_id"], second["step_position"]) == (world.ccas, 2)
    assert second["referrer_organisation_id"] == world.cpts, "the loop closes to the referrer"
    for action, extra in (("accept", {}), ("complete", {"outcome_code": "need_met"})):
        second = act(client, world.handler, second, action, **extra).json
    run = client.get(run_url, headers=client.as_(world.sport_handler)).json
    assert run["status"] == "completed" and run["finished_at"]
    assert client.get(run_url, headers=client.as_(world.other_handler)).status_code == 404
    assert client.get(run_url, headers=client.as_(world.other_referrer)).status_code == 404
    assert client.get(run_url, headers=client.as_(world.coordinator)).status_code == 403
    with client.sessions() as session:
        submitted = [json.loads(e)["data"] for e in session.execute(
            select(outbox.c.envelope).where(
                outbox.c.routing_key == "referrals.referral.submitted")).scalars()]
    assert [(d["step_position"], d["pathway_run_id"]) for d in submitted] == [
        (1, first["pathway_run_id"]), (2, first["pathway_run_id"])]


def test_a_refused_step_stops_the_pathway(client):
    world = client.world
    first = submit(client, need_category="sport_health", pathway_id=world.pathway)
    act(client, world.sport_handler, first, "reject", reason_code="out_of_scope")
    run = client.get(f"/api/v1/pathway-runs/{first['pathway_run_id']}",
                     headers=client.as_(world.referrer)).json
    assert run["status"] == "stopped"
    assert [s["status"] for s in run["steps"]] == ["rejected", "pending"]


def test_a_pathway_needs_its_first_steps_category(client):
    response = client.post("/api/v1/referrals", json=intake(pathway_id=client.world.pathway),
                           headers=client.as_(client.world.referrer))
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "need_category"
