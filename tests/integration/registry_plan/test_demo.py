"""The demo plans from the seeds: loaded after the contracts, idempotent, seen via the API."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.registry import demo
from services.registry.demo import plan_seeds
from services.registry.store.contract_refs import contract_id_by_name

pytestmark = pytest.mark.integration


def load_demo(client):
    with client.sessions.begin() as session:
        for loader in demo.LOADERS:
            loader(session, client.settings)


def test_the_demo_plans_load_twice_to_the_same_state(any_client):
    client = any_client
    load_demo(client)
    first = client.outbox_types()
    load_demo(client)
    assert client.outbox_types() == first, "a second load publishes nothing new"
    assert first.count("registry.meeting.scheduled") == 2

    with client.sessions() as session:
        possession = contract_id_by_name(session, plan_seeds.POSSESSION)
        gennevilliers = contract_id_by_name(session, plan_seeds.GENNEVILLIERS)
        aurillac = contract_id_by_name(session, plan_seeds.AURILLAC)
    reader = client.token("referrer")
    tree = client.get(f"/api/v1/contracts/{possession}/axes", headers=reader).json["items"]
    assert [axis["code"] for axis in tree] == ["AXE 1", "AXE 2", "AXE 3", "AXE 4"]
    actions = client.get(f"/api/v1/contracts/{possession}/actions?limit=200",
                         headers=reader).json["items"]
    assert len(actions) == 21, "the deck names 21 of its « 23 actions au total »"
    sso, = [a for a in actions if a["title"].startswith("Sport sur Ordonnance")]
    assert sso["starts_on"] == "2020-01-01" and sso["status"] == "in_progress"
    indicators = {i["name"]: i for i in client.get(f"/api/v1/actions/{sso['id']}/indicators",
                                                   headers=reader).json["items"]}
    assert indicators["personnes suivies"]["current"]["value"] == 150
    assert indicators["personnes suivies"]["baseline"] == 150
    assert indicators["médecins prescripteurs"]["current"]["value"] == 40
    computed = indicators["personnes orientées via Relais"]
    assert (computed["source"], computed["metric"], computed["current"]["value"]) == \
        ("computed", "distinct_beneficiaries", 0)

    meetings = client.get(f"/api/v1/contracts/{possession}/meetings?since="
                          f"{datetime.now(UTC).isoformat().replace('+00:00', 'Z')}",
                          headers=reader).json["items"]
    assert len(meetings) == 1 and meetings[0]["status"] == "scheduled"
    scheduled = [json.loads(envelope)["data"] for key, envelope in client.outbox()
                 if key == "registry.meeting.scheduled"]
    copil = next(data for data in scheduled if data["contract_id"] == str(possession))
    assert copil["body_name"] == "Comité de pilotage du CLS"
    assert copil["member_ids"], "the demo coordinator sits in the comité de pilotage"

    gennevilliers_fiches = client.get(f"/api/v1/contracts/{gennevilliers}/actions?limit=200",
                                      headers=reader).json["items"]
    assert "C2.5" in {a["code"] for a in gennevilliers_fiches}
    axis_links = client.get(f"/api/v1/contracts/{gennevilliers}/lineage?kind=axis",
                            headers=reader).json["items"]
    assert len(axis_links) == 7, "passage du CLS2 vers le CLS3"
    bourses = next(a for a in client.get(f"/api/v1/contracts/{aurillac}/actions",
                                         headers=reader).json["items"] if a["code"] == "1-2")
    assert (bourses["budget_amount"], bourses["budget_period"]) == (7000, "yearly")
    history = client.get(f"/api/v1/actions/{bourses['id']}/history", headers=reader).json
    (step,) = history["steps"]
    assert (step["relation"], step["source"]["contract_name"]) == \
        ("continued", plan_seeds.AURILLAC_2016)


def test_the_demo_plans_name_no_real_person():
    text = Path(plan_seeds.__file__).read_text(encoding="utf-8").lower()
    for trace in ("maillot", "lapierre", "lapiere", "de barros", "loyer", "verschraegen",
                  "@ville-", "scotbacc", "01 40 85", "04.71", "01 49 80"):
        assert trace not in text, trace
