"""Contracts over HTTP on real PostgreSQL: territory, validation, roles, events."""

import uuid

import pytest

from tests.integration.registry_contracts.conftest import CHALLANS_GOIS, OCEAN_MARAIS_DE_MONTS

pytestmark = pytest.mark.integration


def fields_of(response) -> set[str]:
    assert response.status_code == 422, response.json
    assert response.content_type == "application/problem+json"
    return {error["field"] for error in response.json["errors"]}


def test_a_territory_given_as_two_epcis_is_stored_as_their_16_communes_with_an_event(api):
    fallback = api.organisation("CIAS Challans-Gois Communauté", "cias")
    coordinator = api.member("coordinator")
    created = api.contract(name="CLS Challans Gois - Océan Marais de Monts",
                           communes=[], epcis=[CHALLANS_GOIS, OCEAN_MARAIS_DE_MONTS],
                           generation="CLS1",
                           status="signed", signed_on="2022-12-15", starts_on="2022-12-15",
                           ends_on="2025-12-14", coordinator_member_id=coordinator,
                           fallback_organisation_id=fallback, reminder_after_days=7)
    assert len(created["communes"]) == 16 and "85047" in created["communes"]  # Challans
    assert created["epcis"] == sorted([CHALLANS_GOIS, OCEAN_MARAIS_DE_MONTS])
    assert (created["generation"], created["version"], created["expire_after_days"]) == (1, 1, 30)
    [(kind, data)] = api.events("registry.contract.")
    assert kind == "registry.contract.created"
    assert data == {"id": created["id"], "version": 1, "name": created["name"],
                    "status": "signed", "communes": created["communes"],
                    "coordinator_member_id": coordinator, "fallback_organisation_id": fallback,
                    "reminder_after_days": 7, "expire_after_days": 30}
    read = api.get(f"/api/v1/contracts/{created['id']}", headers=api.token("referrer"))
    assert read.json == created


def test_amendments_and_partners_round_trip(api):
    ars = api.organisation("ARS Île-de-France", "ars")
    cpts = api.organisation("CPTS des Boucles de Marne", "cpts")
    created = api.contract(signed_on="2022-03-07", partners=[
        {"organisation_id": ars, "role": "signatory"},
        {"organisation_id": cpts, "role": "co_signatory"}],
        amendments=[{"signed_on": "2023-05-01", "title": "Avenant n°1",
                     "summary": "Ajout d'une fiche santé mentale."}])
    assert {(p["organisation_id"], p["role"]) for p in created["partners"]} == {
        (ars, "signatory"), (cpts, "co_signatory")}
    assert created["amendments"] == [{"signed_on": "2023-05-01", "title": "Avenant n°1",
                                      "summary": "Ajout d'une fiche santé mentale."}]


@pytest.mark.parametrize("body,fields", [
    ({"communes": ["94028", "99999"]}, {"communes.1"}),
    ({"communes": [], "epcis": ["123456789"]}, {"epcis.0"}),
    ({"communes": []}, {"communes"}),
    ({"starts_on": "2022-03-07", "ends_on": "2021-03-07"}, {"ends_on"}),
    ({"status": "active"}, {"fallback_organisation_id"}),
    ({"fallback_organisation_id": str(uuid.uuid4())}, {"fallback_organisation_id"}),
    ({"predecessor_id": str(uuid.uuid4())}, {"predecessor_id"}),
    ({"partners": [{"organisation_id": str(uuid.uuid4()), "role": "partner"}]},
     {"partners.0.organisation_id"}),
    ({"partners": [{"organisation_id": str(uuid.uuid4()), "role": "king"}]},
     {"partners.0.role"}),
    ({"generation": "deuxième"}, {"generation"}),
    ({"generation": 10**12}, {"generation"}),
    ({"reminder_after_days": 10**12}, {"reminder_after_days"}),
    ({"status": "signed", "colour": "red"}, {"colour"}),
    ({"name": ""}, {"name"}),
    ({"coordinator_member_id": str(uuid.uuid4())}, {"coordinator_member_id"}),
    ({"communes": ["99999"], "starts_on": "2022-01-01", "ends_on": "2021-01-01"},
     {"communes.0", "ends_on"}),
])
def test_bad_contracts_are_422_naming_each_field(api, body, fields):
    response = api.post("/api/v1/contracts", json={"name": "CLS", "communes": ["94028"], **body},
                        headers=api.admin())
    assert fields_of(response) == fields
    assert api.events("registry.contract.") == []


def test_the_coordinator_is_an_active_member_with_the_coordinator_role(api):
    for member in [api.member("referrer"), api.member("coordinator", active=False)]:
        response = api.post("/api/v1/contracts", headers=api.admin(), json={
            "name": "CLS", "communes": ["94028"], "coordinator_member_id": member})
        assert fields_of(response) == {"coordinator_member_id"}


def test_an_inactive_fallback_is_refused(api):
    closed = api.organisation("CCAS fermé", active=False)
    response = api.post("/api/v1/contracts", headers=api.admin(), json={
        "name": "CLS", "communes": ["94028"], "fallback_organisation_id": closed})
    assert fields_of(response) == {"fallback_organisation_id"}


def test_a_contract_is_not_put_in_force_with_a_fallback_deactivated_since(api):
    fallback = api.organisation("CCAS de Créteil")
    contract = api.contract(status="signed", fallback_organisation_id=fallback)
    api.patch(f"/api/v1/organisations/{fallback}", json={"active": False}, headers=api.admin())
    response = api.patch(f"/api/v1/contracts/{contract['id']}", json={"status": "active"},
                         headers=api.admin())
    assert fields_of(response) == {"fallback_organisation_id"}
    closed = api.patch(f"/api/v1/contracts/{contract['id']}", json={"status": "closed"},
                       headers=api.admin())
    assert closed.json["status"] == "closed", "closing needs no active fallback"


def test_a_successor_comes_from_a_later_generation(api):
    first = api.contract(name="CLS de Créteil (2015)", generation=1)
    second = api.contract(name="CLS de Créteil", generation="CLS2", predecessor_id=first["id"])
    assert second["predecessor_id"] == first["id"]
    same = api.post("/api/v1/contracts", headers=api.admin(), json={
        "name": "CLS bis", "communes": ["94028"], "generation": 1, "predecessor_id": first["id"]})
    assert fields_of(same) == {"generation"}
    one = api.contract(name="A")
    two = api.contract(name="B", predecessor_id=one["id"])
    loop = api.patch(f"/api/v1/contracts/{one['id']}", json={"predecessor_id": two["id"]},
                     headers=api.admin())
    assert fields_of(loop) == {"predecessor_id"}


@pytest.mark.parametrize("roles", [("referrer",), ("handler",), ("coordinator",)])
def test_only_an_admin_creates_or_deletes(api, roles):
    response = api.post("/api/v1/contracts", json={"name": "CLS", "communes": ["94028"]},
                        headers=api.token(*roles))
    assert (response.status_code, response.json["code"]) == (403, "forbidden")
    draft = api.contract()
    assert api.delete(f"/api/v1/contracts/{draft['id']}",
                      headers=api.token(*roles)).status_code == 403


def test_anonymous_gets_401_everywhere(api):
    contract = api.contract()
    url = f"/api/v1/contracts/{contract['id']}"
    for method, path in [("get", "/api/v1/contracts"), ("post", "/api/v1/contracts"),
                         ("get", url), ("patch", url), ("delete", url)]:
        response = getattr(api, method)(path, json={} if method in ("post", "patch") else None)
        assert response.status_code == 401, (method, path)


@pytest.mark.parametrize("roles", [("referrer",), ("handler",), ("coordinator",), ("admin",)])
def test_every_member_reads(api, roles):
    contract = api.contract()
    assert api.get(f"/api/v1/contracts/{contract['id']}",
                   headers=api.token(*roles)).status_code == 200
    assert api.get("/api/v1/contracts", headers=api.token(*roles)).json["items"][0]["id"] == \
        contract["id"]


def test_the_coordinator_changes_their_contract_and_no_other(api, coordinated):
    contract, coordinator, _ = coordinated
    other = api.contract(name="CLS de Gennevilliers", communes=["92036"],
                         coordinator_member_id=api.member("coordinator"))
    url = f"/api/v1/contracts/{contract['id']}"
    changed = api.patch(url, json={"status": "signed", "signed_on": "2022-03-07"},
                        headers=coordinator)
    assert (changed.status_code, changed.json["status"], changed.json["version"]) == (
        200, "signed", 2)
    refused = api.patch(f"/api/v1/contracts/{other['id']}", json={"name": "X"},
                        headers=coordinator)
    assert refused.status_code == 403
    for roles in [("referrer",), ("handler",), ("coordinator",)]:
        assert api.patch(url, json={"name": "X"}, headers=api.token(*roles)).status_code == 403
    appoint = api.patch(url, json={"coordinator_member_id": str(uuid.uuid4())},
                        headers=coordinator)
    assert appoint.status_code == 403, "only an admin appoints the coordinator"
    admin = api.patch(url, json={"coordinator_member_id": None}, headers=api.admin())
    assert admin.json["coordinator_member_id"] is None
    assert [k for k, _ in api.events("registry.contract.")][-2:] == [
        "registry.contract.updated", "registry.contract.updated"]


def test_status_changes_follow_the_transitions(api, coordinated):
    contract, coordinator, _ = coordinated
    url = f"/api/v1/contracts/{contract['id']}"
    assert fields_of(api.patch(url, json={"status": "active"}, headers=coordinator)) == {"status"}
    api.patch(url, json={"status": "signed"}, headers=coordinator)
    active = api.patch(url, json={"status": "active"}, headers=coordinator)
    assert active.json["status"] == "active"
    assert fields_of(api.patch(url, json={"fallback_organisation_id": None},
                               headers=coordinator)) == {"fallback_organisation_id"}
    assert fields_of(api.patch(url, json={"status": "draft"}, headers=coordinator)) == {"status"}


def test_an_unchanged_patch_makes_no_version_and_no_event(api, coordinated):
    contract, coordinator, _ = coordinated
    same = api.patch(f"/api/v1/contracts/{contract['id']}",
                     json={"name": contract["name"], "communes": ["94028"]}, headers=coordinator)
    assert same.json["version"] == 1
    assert len(api.events("registry.contract.")) == 1


def test_a_territory_patch_checks_its_codes(api, coordinated):
    contract, coordinator, _ = coordinated
    url = f"/api/v1/contracts/{contract['id']}"
    assert fields_of(api.patch(url, json={"epcis": ["000000000"]}, headers=coordinator)) == {
        "epcis.0"}
    grown = api.patch(url, json={"communes": ["94028", "94046"]}, headers=coordinator)
    assert grown.json["communes"] == ["94028", "94046"]


def test_list_filters_and_pages(api):
    ids = {api.contract(name=f"CLS {i}", communes=["94028" if i % 2 else "92036"])["id"]
           for i in range(5)}
    seen, cursor = [], None
    while True:
        url = "/api/v1/contracts?limit=2" + (f"&after={cursor}" if cursor else "")
        page = api.get(url, headers=api.token("handler")).json
        seen += [c["id"] for c in page["items"]]
        if not (cursor := page["next"]):
            break
    assert sorted(seen) == sorted(ids)
    in_creteil = api.get("/api/v1/contracts?commune=94028", headers=api.token("referrer")).json
    assert {c["name"] for c in in_creteil["items"]} == {"CLS 1", "CLS 3"}
    drafts = api.get("/api/v1/contracts?status=active", headers=api.token("referrer")).json
    assert drafts["items"] == []
    assert fields_of(api.get("/api/v1/contracts?limit=500", headers=api.admin())) == {"limit"}


def test_unknown_contract_is_404(api):
    response = api.get(f"/api/v1/contracts/{uuid.uuid4()}", headers=api.token("referrer"))
    assert (response.status_code, response.json["code"]) == (404, "not_found")


def test_a_draft_is_deleted_with_its_rules_and_pathways_a_signed_one_is_not(api, coordinated):
    contract, coordinator, fallback = coordinated
    url = f"/api/v1/contracts/{contract['id']}"
    rule = api.post(f"{url}/routing-rules", headers=coordinator, json={
        "need_category": "housing", "organisation_id": fallback}).json
    pathway = api.post(f"{url}/pathways", headers=coordinator, json={
        "name": "Parcours logement", "steps": [
            {"position": 1, "name": "Accueil", "need_category": "housing",
             "organisation_id": fallback}]}).json
    assert api.delete(url, headers=coordinator).status_code == 403, "admins delete"
    assert api.delete(url, headers=api.admin()).status_code == 204
    assert api.get(url, headers=api.admin()).status_code == 404
    deleted = [(k, d) for k, d in api.events() if k.endswith(".deleted")]
    assert deleted == [("registry.routing_rule.deleted", {"id": rule["id"], "version": 2}),
                       ("registry.pathway.deleted", {"id": pathway["id"], "version": 2}),
                       ("registry.contract.deleted", {"id": contract["id"], "version": 2})]
    signed = api.contract(name="CLS signé", status="signed")
    response = api.delete(f"/api/v1/contracts/{signed['id']}", headers=api.admin())
    assert (response.status_code, response.json["code"]) == (409, "conflict")


def test_a_contract_with_a_successor_is_not_deleted(api):
    first = api.contract(generation=1)
    api.contract(name="CLS 2", generation=2, predecessor_id=first["id"])
    assert api.delete(f"/api/v1/contracts/{first['id']}", headers=api.admin()).status_code == 409


def test_contracts_work_on_postgresql_and_sqlite(any_api):
    fallback = any_api.organisation("CCAS de La Possession")
    created = any_api.contract(name="CLS de La Possession", communes=["97408"], generation=2,
                               status="active", fallback_organisation_id=fallback)
    url = f"/api/v1/contracts/{created['id']}"
    closed = any_api.patch(url, json={"status": "closed", "ends_on": "2026-12-31"},
                           headers=any_api.admin())
    assert (closed.json["status"], closed.json["version"]) == ("closed", 2)
    listed = any_api.get("/api/v1/contracts?commune=97408", headers=any_api.token("referrer"))
    assert [c["id"] for c in listed.json["items"]] == [created["id"]]
