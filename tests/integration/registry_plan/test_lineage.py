"""Generation lineage: mapping a predecessor's axes and fiches, a fiche's history."""

import pytest

from tests.integration.registry_plan.helpers import plan_with_fiche

pytestmark = pytest.mark.integration


def fiche_in(client, contract, axis, code):
    response = client.post(f"/api/v1/contracts/{contract}/actions", headers=client.admin,
                           json={"axis_id": axis, "code": code, "title": f"Fiche {code}"})
    assert response.status_code == 201, response.json
    return response.json["id"]


def link(client, contract, source, relation, target=None, kind="action", headers=None):
    return client.post(f"/api/v1/contracts/{contract}/lineage", headers=headers or client.admin,
                       json={"kind": kind, "source_id": source, "target_id": target,
                             "relation": relation, "note": "passage du CLS2 vers le CLS3"})


@pytest.fixture
def generations(any_client):
    client = any_client
    cls2, axis2, jeunes = plan_with_fiche(client, code="JEUNES", name="CLS2 Gennevilliers")
    femmes = fiche_in(client, cls2, axis2, "FEMMES")
    perinat = fiche_in(client, cls2, axis2, "PERINAT")
    crise = fiche_in(client, cls2, axis2, "CRISE")
    cls3, axis3, c3_1 = plan_with_fiche(client, code="C3.1", name="CLS3 Gennevilliers",
                                        predecessor_id=cls2)
    c1_1 = fiche_in(client, cls3, axis3, "C1.1")
    c1_3 = fiche_in(client, cls3, axis3, "C1.3")
    return client, locals()


def test_a_new_generation_maps_its_predecessor_and_history_walks_both_ways(generations):
    client, g = generations
    assert link(client, g["cls3"], g["axis2"], "continued", g["axis3"], kind="axis") \
        .status_code == 201
    assert link(client, g["cls3"], g["jeunes"], "continued", g["c3_1"],
                headers=client.coordinator).status_code == 201
    assert link(client, g["cls3"], g["femmes"], "merged", g["c1_1"]).status_code == 201
    assert link(client, g["cls3"], g["perinat"], "merged", g["c1_1"]).status_code == 201
    assert link(client, g["cls3"], g["perinat"], "split", g["c1_3"]).status_code == 422
    assert link(client, g["cls3"], g["crise"], "dropped").status_code == 201
    cls4, _, c3_1_next = plan_with_fiche(client, code="C3.1", name="CLS4 Gennevilliers",
                                         predecessor_id=g["cls3"])
    assert link(client, cls4, g["c3_1"], "continued", c3_1_next).status_code == 201

    history = client.get(f"/api/v1/actions/{g['c3_1']}/history",
                         headers=client.token("referrer"))
    assert history.status_code == 200
    steps = [(s["generation"], s["relation"], s["source"]["code"], s["target"]["code"],
              s["target"]["contract_name"]) for s in history.json["steps"]]
    assert steps == [(0, "continued", "JEUNES", "C3.1", "CLS3 Gennevilliers"),
                     (1, "continued", "C3.1", "C3.1", "CLS4 Gennevilliers")]
    from_the_past = client.get(f"/api/v1/actions/{g['jeunes']}/history",
                               headers=client.admin).json
    assert [s["generation"] for s in from_the_past["steps"]] == [1, 2]
    merged = client.get(f"/api/v1/actions/{g['c1_1']}/history", headers=client.admin).json
    assert sorted(s["source"]["code"] for s in merged["steps"]) == ["FEMMES", "PERINAT"]
    dropped = client.get(f"/api/v1/actions/{g['crise']}/history", headers=client.admin).json
    assert [(s["relation"], s["target"]) for s in dropped["steps"]] == [("dropped", None)]
    alone = client.get(f"/api/v1/actions/{g['c1_3']}/history", headers=client.admin).json
    assert (alone["action"]["code"], alone["steps"]) == ("C1.3", [])
    listed = client.get(f"/api/v1/contracts/{g['cls3']}/lineage?kind=action&limit=2",
                        headers=client.token("handler")).json
    more = client.get(f"/api/v1/contracts/{g['cls3']}/lineage?kind=action&limit=2"
                      f"&after={listed['next']}", headers=client.token("handler")).json
    assert len(listed["items"] + more["items"]) == 4


def test_links_are_checked(generations):
    client, g = generations
    stranger, _, foreign = plan_with_fiche(client, code="X", name="CLS de Créteil")
    wrong_source = link(client, g["cls3"], foreign, "dropped")
    assert (wrong_source.status_code, wrong_source.json["errors"][0]["field"]) == \
        (422, "source_id")
    wrong_target = link(client, g["cls3"], g["jeunes"], "continued", foreign)
    assert (wrong_target.status_code, wrong_target.json["errors"][0]["field"]) == \
        (422, "target_id")
    own_item = link(client, g["cls3"], g["c1_1"], "dropped")
    assert own_item.status_code == 422
    missing_target = link(client, g["cls3"], g["jeunes"], "continued")
    assert missing_target.json["errors"][0]["field"] == "target_id"
    axis_as_fiche = link(client, g["cls3"], g["axis2"], "dropped")
    assert axis_as_fiche.json["errors"][0]["field"] == "source_id"
    bad = client.post(f"/api/v1/contracts/{g['cls3']}/lineage", headers=client.admin,
                      json={"kind": "theme", "source_id": "x", "relation": "renamed"})
    assert {e["field"] for e in bad.json["errors"]} == {"kind", "source_id", "relation"}


def test_a_mapped_fiche_is_not_deleted_until_its_link_is(generations):
    client, g = generations
    created = link(client, g["cls3"], g["jeunes"], "continued", g["c3_1"]).json
    assert client.delete(f"/api/v1/actions/{g['c3_1']}", headers=client.admin).status_code \
        == 409
    assert client.delete(f"/api/v1/lineage/{created['id']}", headers=client.coordinator) \
        .status_code == 204
    assert client.delete(f"/api/v1/actions/{g['c3_1']}", headers=client.admin).status_code \
        == 204
