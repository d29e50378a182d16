"""Axes and fiches actions through the API: tree, validation, filters, pagination, events."""

import json

import pytest

pytestmark = pytest.mark.integration


def make_axis(client, contract, code, parent=None, position=0):
    response = client.post(f"/api/v1/contracts/{contract}/axes", headers=client.admin,
                           json={"code": code, "title": f"Axe {code}", "parent_id": parent,
                                 "position": position})
    assert response.status_code == 201, response.json
    return response.json["id"]


def make_action(client, contract, axis, code, **values):
    response = client.post(f"/api/v1/contracts/{contract}/actions", headers=client.admin,
                           json={"axis_id": axis, "code": code, "title": f"Fiche {code}",
                                 **values})
    assert response.status_code == 201, response.json
    return response.json


def test_the_axes_come_back_as_a_tree_in_position_order(any_client):
    client = any_client
    contract = client.contract("CLS de Gennevilliers")
    axe_c = make_axis(client, contract, "AXE C", position=3)
    axe_a = make_axis(client, contract, "AXE A", position=1)
    make_axis(client, contract, "C2", axe_c, position=2)
    make_axis(client, contract, "C1", axe_c, position=1)
    make_axis(client, contract, "A2", axe_a)
    tree = client.get(f"/api/v1/contracts/{contract}/axes", headers=client.token("referrer"))
    assert tree.status_code == 200
    shape = [(a["code"], [c["code"] for c in a["children"]]) for a in tree.json["items"]]
    assert shape == [("AXE A", ["A2"]), ("AXE C", ["C1", "C2"])]


def test_axis_codes_are_unique_within_a_contract_only(any_client):
    client = any_client
    one, two = client.contract("CLS 1"), client.contract("CLS 2")
    make_axis(client, one, "A")
    make_axis(client, two, "A")
    again = client.post(f"/api/v1/contracts/{one}/axes", headers=client.admin,
                        json={"code": "A", "title": "Encore"})
    assert again.status_code == 422
    assert [e["field"] for e in again.json["errors"]] == ["code"]


def test_an_axis_cannot_be_moved_under_its_own_sub_axis_nor_into_another_contract(client):
    contract, other = client.contract(), client.contract("Autre CLS")
    top = make_axis(client, contract, "A")
    sub = make_axis(client, contract, "A2", top)
    foreign = make_axis(client, other, "B")
    cycle = client.patch(f"/api/v1/axes/{top}", json={"parent_id": sub}, headers=client.admin)
    assert (cycle.status_code, cycle.json["errors"][0]["field"]) == (422, "parent_id")
    elsewhere = client.post(f"/api/v1/contracts/{contract}/axes", headers=client.admin,
                            json={"code": "X", "title": "X", "parent_id": foreign})
    assert (elsewhere.status_code, elsewhere.json["errors"][0]["field"]) == (422, "parent_id")
    renamed = client.patch(f"/api/v1/axes/{sub}", json={"title": "Environnement et santé"},
                           headers=client.coordinator)
    assert (renamed.status_code, renamed.json["version"]) == (200, 2)


def test_an_axis_in_use_is_not_deleted(client):
    contract = client.contract()
    top = make_axis(client, contract, "A")
    sub = make_axis(client, contract, "A2", top)
    make_action(client, contract, sub, "A2-1")
    assert client.delete(f"/api/v1/axes/{top}", headers=client.admin).status_code == 409
    assert client.delete(f"/api/v1/axes/{sub}", headers=client.admin).status_code == 409
    empty = make_axis(client, contract, "B")
    assert client.delete(f"/api/v1/axes/{empty}", headers=client.admin).status_code == 204
    assert client.get(f"/api/v1/axes/{empty}", headers=client.admin).status_code == 404


def test_a_fiche_is_created_changed_and_deleted_with_its_events(client):
    contract = client.contract()
    axis = make_axis(client, contract, "AXE 2")
    ccas = client.organisation()
    fiche = make_action(
        client, contract, axis, "SSO", objectives="Activité physique adaptée",
        target_public="Adultes inactifs avec une affection chronique",
        pilots=[{"organisation_id": ccas}], carriers=[{"name": "Service des sports"}],
        status="in_progress", priority="high", starts_on="2020-01-01",
        budget_amount=7000, budget_period="yearly", funders=["ARS", "Ville"])
    assert (fiche["budget_amount"], fiche["pilots"][0]["organisation_id"]) == (7000, ccas)
    changed = client.patch(f"/api/v1/actions/{fiche['id']}", headers=client.coordinator,
                           json={"status": "late"})
    assert (changed.status_code, changed.json["version"], changed.json["status"]) == \
        (200, 2, "late")
    unchanged = client.patch(f"/api/v1/actions/{fiche['id']}", headers=client.admin,
                             json={"status": "late"})
    assert unchanged.json["version"] == 2
    assert client.delete(f"/api/v1/actions/{fiche['id']}", headers=client.admin).status_code \
        == 204
    events = [(key, json.loads(envelope)["data"]) for key, envelope in client.outbox()
              if key.startswith("registry.action.")]
    assert [(key, data["version"]) for key, data in events] == [
        ("registry.action.created", 1), ("registry.action.updated", 2),
        ("registry.action.deleted", 3)]
    assert events[1][1] == {"id": fiche["id"], "version": 2, "contract_id": str(contract),
                            "code": "SSO", "title": "Fiche SSO", "status": "late"}


@pytest.mark.parametrize("values,fields", [
    ({"status": "finished"}, {"status"}),
    ({"priority": "urgent"}, {"priority"}),
    ({"starts_on": "2024-05-01", "ends_on": "2024-04-01"}, {"ends_on"}),
    ({"starts_on": "2019-12-31"}, {"starts_on"}),
    ({"ends_on": "2027-01-01"}, {"ends_on"}),
    ({"budget_amount": 7000}, {"budget_period"}),
    ({"budget_amount": "beaucoup", "budget_period": "total"}, {"budget_amount"}),
    ({"budget_amount": -5, "budget_period": "total"}, {"budget_amount"}),
    ({"pilots": [{}]}, {"pilots.0.organisation_id"}),
    ({"carriers": [{"organisation_id": "6d6bc68f-4881-4159-b0f3-317b52ed8009"}]},
     {"carriers.0.organisation_id"}),
    ({"colour": "red", "code": ""}, {"colour", "code"}),
    ({"axis_id": "6d6bc68f-4881-4159-b0f3-317b52ed8009"}, {"axis_id"}),
])
def test_bad_fiches_are_422s_naming_each_field(any_client, values, fields):
    client = any_client
    contract = client.contract(starts_on="2020-01-01", ends_on="2026-12-31")
    axis = make_axis(client, contract, "A")
    body = {"axis_id": axis, "code": "A-1", "title": "Fiche", **values}
    response = client.post(f"/api/v1/contracts/{contract}/actions", json=body,
                           headers=client.admin)
    assert response.status_code == 422, response.json
    assert response.content_type == "application/problem+json"
    assert {e["field"] for e in response.json["errors"]} == fields
    assert client.outbox_types() == []


def test_fiche_codes_are_unique_within_a_contract_and_the_axis_must_be_its_own(client):
    contract, other = client.contract(), client.contract("Autre")
    axis, foreign = make_axis(client, contract, "A"), make_axis(client, other, "A")
    make_action(client, contract, axis, "A2-1")
    twice = client.post(f"/api/v1/contracts/{contract}/actions", headers=client.admin,
                        json={"axis_id": axis, "code": "A2-1", "title": "Encore"})
    assert (twice.status_code, twice.json["errors"][0]["field"]) == (422, "code")
    moved = client.post(f"/api/v1/contracts/{contract}/actions", headers=client.admin,
                        json={"axis_id": foreign, "code": "A2-2", "title": "Ailleurs"})
    assert (moved.status_code, moved.json["errors"][0]["field"]) == (422, "axis_id")
    make_action(client, other, foreign, "A2-1")  # the same code elsewhere is fine


def test_fiches_are_filtered_and_paginated_by_code(any_client):
    client = any_client
    contract = client.contract()
    axe_c = make_axis(client, contract, "AXE C")
    c2 = make_axis(client, contract, "C2", axe_c)
    axe_a = make_axis(client, contract, "AXE A")
    for code, axis, status, priority in [("C2.5", c2, "in_progress", "high"),
                                         ("C2.6", c2, "planned", "low"),
                                         ("C1.1", axe_c, "done", "high"),
                                         ("A2-1", axe_a, "in_progress", None)]:
        make_action(client, contract, axis, code, status=status, priority=priority)
    base = f"/api/v1/contracts/{contract}/actions"
    reader = client.token("handler")

    def codes(query):
        response = client.get(base + query, headers=reader)
        assert response.status_code == 200, response.json
        return [a["code"] for a in response.json["items"]]

    assert codes(f"?axis_id={axe_c}") == ["C1.1", "C2.5", "C2.6"]
    assert codes(f"?axis_id={c2}&status=in_progress") == ["C2.5"]
    assert codes("?priority=high") == ["C1.1", "C2.5"]
    seen, cursor = [], None
    while True:
        page = client.get(base + "?limit=3" + (f"&after={cursor}" if cursor else ""),
                          headers=reader).json
        seen += [a["code"] for a in page["items"]]
        if not (cursor := page["next"]):
            break
    assert seen == ["A2-1", "C1.1", "C2.5", "C2.6"]
    bad = client.get(base + "?after=nonsense&status=closed", headers=reader)
    assert bad.status_code == 422
    assert client.get(base + "?after=nonsense", headers=reader).json["errors"][0]["field"] \
        == "after"


def test_unknown_contract_axis_and_fiche_are_404s(client):
    missing = "6d6bc68f-4881-4159-b0f3-317b52ed8009"
    for path in (f"/api/v1/contracts/{missing}/axes", f"/api/v1/contracts/{missing}/actions",
                 f"/api/v1/axes/{missing}", f"/api/v1/actions/{missing}",
                 f"/api/v1/actions/{missing}/history",
                 f"/api/v1/contracts/{missing}/action-plan.csv"):
        response = client.get(path, headers=client.admin)
        assert (response.status_code, response.json["code"]) == (404, "not_found"), path
    posted = client.post(f"/api/v1/contracts/{missing}/axes", json={"code": "A", "title": "A"},
                         headers=client.admin)
    assert posted.status_code == 404
