"""Pathways and the communes referential over HTTP on real PostgreSQL."""

import uuid

import pytest

pytestmark = pytest.mark.integration

SPORT = "physical_activity_prescription"


def fields_of(response) -> set[str]:
    assert response.status_code == 422, response.json
    return {error["field"] for error in response.json["errors"]}


def pathways_url(contract) -> str:
    return f"/api/v1/contracts/{contract['id']}/pathways"


@pytest.fixture
def sport(api, coordinated):
    """The contract, its coordinator's headers, and the Sport sur Ordonnance body."""
    contract, coordinator, _ = coordinated
    house = api.organisation("Maison Sport Santé Sakisoigne", "sport_health_house")
    sports = api.organisation("Service des sports de La Possession", "other")
    body = {"name": "Sport sur Ordonnance", "steps": [
        {"position": 2, "name": "Activité physique adaptée", "need_category": SPORT,
         "organisation_id": sports},
        {"position": 1, "name": "Bilan sport santé", "need_category": SPORT,
         "organisation_id": house}]}
    return contract, coordinator, body


def test_the_coordinator_writes_a_pathway_with_its_events(api, sport):
    contract, coordinator, body = sport
    created = api.post(pathways_url(contract), json=body, headers=coordinator)
    assert created.status_code == 201, created.json
    pathway = created.json
    assert [s["name"] for s in pathway["steps"]] == ["Bilan sport santé",
                                                      "Activité physique adaptée"]
    url = f"{pathways_url(contract)}/{pathway['id']}"
    renamed = api.patch(url, json={"name": "Sport sur ordonnance"}, headers=coordinator)
    assert (renamed.json["name"], renamed.json["version"]) == ("Sport sur ordonnance", 2)
    shorter = api.patch(url, json={"steps": body["steps"][1:]}, headers=coordinator)
    assert [s["position"] for s in shorter.json["steps"]] == [1]
    assert api.get(url, headers=api.token("referrer")).json == shorter.json
    assert api.delete(url, headers=coordinator).status_code == 204
    events = api.events("registry.pathway.")
    assert [k for k, _ in events] == ["registry.pathway.created", "registry.pathway.updated",
                                      "registry.pathway.updated", "registry.pathway.deleted"]
    assert events[0][1] == {"id": pathway["id"], "version": 1, "contract_id": contract["id"],
                            "name": "Sport sur Ordonnance", "active": True,
                            "steps": pathway["steps"]}
    assert events[-1][1] == {"id": pathway["id"], "version": 4}


@pytest.mark.parametrize("change,fields", [
    (lambda b: b["steps"].pop(), {"steps.0.position"}),
    (lambda b: b["steps"][0].update(position=1), {"steps.1.position"}),
    (lambda b: b["steps"][0].update(need_category="nope"), {"steps.0.need_category"}),
    (lambda b: b["steps"][1].update(organisation_id=str(uuid.uuid4())),
     {"steps.1.organisation_id"}),
    (lambda b: b.update(steps=[]), {"steps"}),
    (lambda b: b["steps"][0].pop("name"), {"steps.0.name"}),
    (lambda b: b.update(colour="red"), {"colour"}),
])
def test_bad_pathways_are_422_naming_each_field(api, sport, change, fields):
    contract, coordinator, body = sport
    change(body)
    assert fields_of(api.post(pathways_url(contract), json=body, headers=coordinator)) == fields
    assert api.events("registry.pathway.") == []


def test_a_pathway_name_is_unique_within_its_contract(api, sport):
    contract, coordinator, body = sport
    api.post(pathways_url(contract), json=body, headers=coordinator)
    assert fields_of(api.post(pathways_url(contract), json=body, headers=coordinator)) == {"name"}


def test_roles_on_pathways(api, sport):
    contract, coordinator, body = sport
    pathway = api.post(pathways_url(contract), json=body, headers=coordinator).json
    url = f"{pathways_url(contract)}/{pathway['id']}"
    other_coordinator = api.token("coordinator", member=str(uuid.uuid4()))
    for headers in [api.token("referrer"), api.token("handler"), other_coordinator]:
        assert api.post(pathways_url(contract), json=body, headers=headers).status_code == 403
        assert api.patch(url, json={"active": False}, headers=headers).status_code == 403
        assert api.delete(url, headers=headers).status_code == 403
    for method, path in [("get", pathways_url(contract)), ("post", pathways_url(contract)),
                         ("get", url), ("patch", url), ("delete", url)]:
        response = getattr(api, method)(path, json=body if method in ("post", "patch") else None)
        assert response.status_code == 401
    for roles in [("referrer",), ("handler",), ("coordinator",), ("admin",)]:
        listed = api.get(pathways_url(contract), headers=api.token(*roles))
        assert [p["id"] for p in listed.json["items"]] == [pathway["id"]]
    assert api.patch(url, json={"active": False}, headers=api.admin()).json["active"] is False
    assert api.get(pathways_url(contract) + "?active=true", headers=api.admin()).json[
        "items"] == []


def test_communes_search_by_name_without_accents_or_hyphens_and_by_postcode(api):
    headers = api.token("referrer")
    found = api.get("/api/v1/communes?q=la possession", headers=headers).json["items"]
    assert found[0]["code"] == "97408" and found[0]["postcodes"] == ["97419"]
    creteil = api.get("/api/v1/communes?q=creteil", headers=headers).json["items"]
    assert creteil[0]["name"] == "Créteil"
    assert creteil[0]["epci"]["code"] == "200054781"
    by_postcode = api.get("/api/v1/communes?q=85300", headers=headers).json["items"]
    assert "Challans" in {c["name"] for c in by_postcode}
    few = api.get("/api/v1/communes?q=saint&limit=3", headers=headers).json["items"]
    assert len(few) == 3
    assert fields_of(api.get("/api/v1/communes?q=saint&limit=500", headers=headers)) == {"limit"}
    assert fields_of(api.get("/api/v1/communes", headers=headers)) == {"q"}
    assert api.get("/api/v1/communes?q=creteil").status_code == 401


def test_one_commune_and_one_epci(api):
    headers = api.token("handler")
    commune = api.get("/api/v1/communes/97408", headers=headers).json
    assert (commune["name"], commune["department"]) == ("La Possession", "974")
    assert api.get("/api/v1/communes/99999", headers=headers).status_code == 404
    epci = api.get("/api/v1/epcis/200071629", headers=headers).json
    assert (epci["name"], len(epci["communes"])) == ("CC Challans-Gois Communauté", 11)
    assert api.get("/api/v1/epcis/000000000", headers=headers).status_code == 404
    assert api.get("/api/v1/communes/97408").status_code == 401
    assert api.get("/api/v1/epcis/200071629").status_code == 401


def test_the_openapi_document_lists_every_contracts_endpoint(api):
    paths = api.get("/api/v1/openapi.json").json["paths"]
    for path in ["/api/v1/communes", "/api/v1/communes/{code}", "/api/v1/epcis/{code}",
                 "/api/v1/contracts", "/api/v1/contracts/{contract_id}",
                 "/api/v1/contracts/{contract_id}/coverage",
                 "/api/v1/contracts/{contract_id}/routing-rules",
                 "/api/v1/contracts/{contract_id}/routing-rules/{rule_id}",
                 "/api/v1/contracts/{contract_id}/pathways",
                 "/api/v1/contracts/{contract_id}/pathways/{pathway_id}"]:
        assert path in paths, path
