"""Routing rules over HTTP on real PostgreSQL: validation, roles, events, coverage."""

import uuid

import pytest

from tests.integration.registry_contracts.conftest import CHALLANS_GOIS, OCEAN_MARAIS_DE_MONTS

pytestmark = pytest.mark.integration


def fields_of(response) -> set[str]:
    assert response.status_code == 422, response.json
    return {error["field"] for error in response.json["errors"]}


def rules_url(contract) -> str:
    return f"/api/v1/contracts/{contract['id']}/routing-rules"


def test_the_coordinator_adds_changes_and_deletes_a_rule_with_events(api, coordinated):
    contract, coordinator, _ = coordinated
    clsm = api.organisation("CLSM de Créteil", "clsm")
    created = api.post(rules_url(contract), headers=coordinator, json={
        "need_category": "mental_health", "organisation_id": clsm, "communes": ["94028"],
        "precedence": 2})
    assert created.status_code == 201, created.json
    rule = created.json
    assert (rule["communes"], rule["active"], rule["version"]) == (["94028"], True, 1)
    url = f"{rules_url(contract)}/{rule['id']}"
    changed = api.patch(url, json={"active": False}, headers=coordinator)
    assert (changed.json["active"], changed.json["version"]) == (False, 2)
    assert api.patch(url, json={"active": False}, headers=coordinator).json["version"] == 2
    assert api.get(url, headers=api.token("referrer")).json == changed.json
    assert api.delete(url, headers=coordinator).status_code == 204
    assert api.get(url, headers=api.token("referrer")).status_code == 404
    assert api.events("registry.routing_rule.") == [
        ("registry.routing_rule.created", {
            "id": rule["id"], "version": 1, "contract_id": contract["id"],
            "communes": ["94028"], "need_category": "mental_health", "organisation_id": clsm,
            "precedence": 2, "active": True}),
        ("registry.routing_rule.updated", {
            "id": rule["id"], "version": 2, "contract_id": contract["id"],
            "communes": ["94028"], "need_category": "mental_health", "organisation_id": clsm,
            "precedence": 2, "active": False}),
        ("registry.routing_rule.deleted", {"id": rule["id"], "version": 3}),
    ]


@pytest.mark.parametrize("body,fields", [
    ({"communes": ["92036"]}, {"communes.0"}),
    ({"communes": ["94028", "99999"]}, {"communes.1"}),
    ({"need_category": "sorcery"}, {"need_category"}),
    ({"organisation_id": str(uuid.uuid4())}, {"organisation_id"}),
    ({"precedence": 5000}, {"precedence"}),
    ({"contract_id": str(uuid.uuid4())}, {"contract_id"}),
])
def test_bad_rules_are_422_naming_each_field(api, coordinated, body, fields):
    contract, coordinator, fallback = coordinated
    response = api.post(rules_url(contract), headers=coordinator, json={
        "need_category": "housing", "organisation_id": fallback, **body})
    assert fields_of(response) == fields
    assert api.events("registry.routing_rule.") == []


def test_an_inactive_receiver_and_a_missing_field_are_refused(api, coordinated):
    contract, coordinator, _ = coordinated
    closed = api.organisation("CCAS fermé", active=False)
    assert fields_of(api.post(rules_url(contract), headers=coordinator, json={
        "need_category": "housing", "organisation_id": closed})) == {"organisation_id"}
    assert fields_of(api.post(rules_url(contract), headers=coordinator, json={
        "need_category": "housing"})) == {"organisation_id"}


def test_a_patch_is_checked_like_a_creation(api, coordinated):
    contract, coordinator, fallback = coordinated
    rule = api.post(rules_url(contract), headers=coordinator, json={
        "need_category": "housing", "organisation_id": fallback}).json
    url = f"{rules_url(contract)}/{rule['id']}"
    assert fields_of(api.patch(url, json={"communes": ["97408"]}, headers=coordinator)) == {
        "communes.0"}
    assert fields_of(api.patch(url, json={"need_category": "nope"}, headers=coordinator)) == {
        "need_category"}


def test_roles_on_rules(api, coordinated):
    contract, coordinator, fallback = coordinated
    rule = api.post(rules_url(contract), headers=coordinator, json={
        "need_category": "housing", "organisation_id": fallback}).json
    url = f"{rules_url(contract)}/{rule['id']}"
    body = {"need_category": "housing", "organisation_id": fallback}
    other_coordinator = api.token("coordinator", member=str(uuid.uuid4()))
    for headers in [api.token("referrer"), api.token("handler"), other_coordinator]:
        assert api.post(rules_url(contract), json=body, headers=headers).status_code == 403
        assert api.patch(url, json={"precedence": 1}, headers=headers).status_code == 403
        assert api.delete(url, headers=headers).status_code == 403
    for method, path in [("get", rules_url(contract)), ("post", rules_url(contract)),
                         ("get", url), ("patch", url), ("delete", url)]:
        response = getattr(api, method)(path, json=body if method in ("post", "patch") else None)
        assert response.status_code == 401
    for roles in [("referrer",), ("handler",), ("coordinator",), ("admin",)]:
        assert api.get(url, headers=api.token(*roles)).status_code == 200
        assert len(api.get(rules_url(contract), headers=api.token(*roles)).json["items"]) == 1
    admin = api.patch(url, json={"precedence": 4}, headers=api.admin())
    assert admin.json["precedence"] == 4


def test_a_rule_is_only_reached_through_its_own_contract(api, coordinated):
    contract, coordinator, fallback = coordinated
    other = api.contract(name="CLS de Gennevilliers", communes=["92036"])
    rule = api.post(rules_url(contract), headers=coordinator, json={
        "need_category": "housing", "organisation_id": fallback}).json
    assert api.get(f"{rules_url(other)}/{rule['id']}",
                   headers=api.admin()).status_code == 404
    assert api.get(f"/api/v1/contracts/{uuid.uuid4()}/routing-rules",
                   headers=api.admin()).status_code == 404


def test_rules_list_filters_and_pages(api, coordinated):
    contract, coordinator, fallback = coordinated
    for category in ["housing", "financial_aid", "isolation", "violence", "housing"]:
        api.post(rules_url(contract), headers=coordinator, json={
            "need_category": category, "organisation_id": fallback})
    seen, cursor = [], None
    while True:
        page = api.get(rules_url(contract) + "?limit=2" + (f"&after={cursor}" if cursor else ""),
                       headers=api.token("referrer")).json
        seen += [r["need_category"] for r in page["items"]]
        if not (cursor := page["next"]):
            break
    assert sorted(seen) == ["financial_aid", "housing", "housing", "isolation", "violence"]
    housing = api.get(rules_url(contract) + "?need_category=housing", headers=api.admin()).json
    assert len(housing["items"]) == 2


def test_a_territory_named_by_a_rule_cannot_shrink_under_it(api, coordinated):
    contract, coordinator, fallback = coordinated
    url = f"/api/v1/contracts/{contract['id']}"
    api.patch(url, json={"communes": ["94028", "94046"]}, headers=coordinator)
    api.post(rules_url(contract), headers=coordinator, json={
        "need_category": "housing", "organisation_id": fallback, "communes": ["94046"]})
    assert fields_of(api.patch(url, json={"communes": ["94028"]}, headers=coordinator)) == {
        "communes"}


def test_coverage_of_the_challans_contract_shows_every_pair_and_its_gaps(api):
    cias_cg = api.organisation("CIAS Challans-Gois Communauté", "cias")
    cias_om = api.organisation("CIAS Océan Marais de Monts", "cias")
    clsm = api.organisation("Point écoute santé mentale", "association")
    contract = api.contract(name="CLS Challans Gois - Océan Marais de Monts", communes=[],
                            epcis=[CHALLANS_GOIS, OCEAN_MARAIS_DE_MONTS],
                            fallback_organisation_id=cias_cg)
    om_communes = ["85012", "85164", "85172", "85234", "85284"]
    for body in [
        {"need_category": "financial_aid", "organisation_id": cias_cg},
        {"need_category": "financial_aid", "organisation_id": cias_om, "communes": om_communes},
        {"need_category": "mental_health", "organisation_id": clsm, "precedence": 1},
        {"need_category": "mental_health", "organisation_id": cias_om, "communes": ["85234"]},
    ]:
        assert api.post(rules_url(contract), json=body, headers=api.admin()).status_code == 201
    url = f"/api/v1/contracts/{contract['id']}/coverage"
    report = api.get(url, headers=api.token("referrer")).json
    categories = {e["need_category"] for e in report["entries"]}
    assert len({e["commune"] for e in report["entries"]}) == 16
    assert report["pairs"] == len(report["entries"]) == 16 * len(categories)
    assert report["gaps"] == 16 * (len(categories) - 2)
    by_pair = {(e["commune"], e["need_category"]): e for e in report["entries"]}
    assert by_pair[("85234", "financial_aid")]["organisation_id"] == cias_om
    assert by_pair[("85047", "financial_aid")]["organisation_id"] == cias_cg
    # Precedence 1 beats the commune-specific rule at precedence 0.
    assert by_pair[("85234", "mental_health")]["organisation_id"] == clsm
    housing = by_pair[("85047", "housing")]
    assert (housing["by"], housing["organisation_id"], housing["gap"]) == (
        "fallback", cias_cg, True)
    assert by_pair[("85047", "financial_aid")]["commune_name"] == "Challans"
    gaps = api.get(f"{url}?gaps_only=true&commune=85047", headers=api.admin()).json
    assert {e["by"] for e in gaps["entries"]} == {"fallback"}
    assert len(gaps["entries"]) == len(categories) - 2
    assert api.get(url).status_code == 401
    assert api.get(f"/api/v1/contracts/{uuid.uuid4()}/coverage",
                   headers=api.admin()).status_code == 404


def test_rules_work_on_postgresql_and_sqlite(any_api):
    fallback = any_api.organisation("CCAS de Gennevilliers")
    contract = any_api.contract(name="CLS de Gennevilliers", communes=["92036"],
                                fallback_organisation_id=fallback)
    created = any_api.post(rules_url(contract), headers=any_api.admin(), json={
        "need_category": "housing", "organisation_id": fallback, "communes": ["92036"]})
    assert created.status_code == 201, created.json
    report = any_api.get(f"/api/v1/contracts/{contract['id']}/coverage",
                         headers=any_api.token("handler")).json
    assert report["pairs"] - report["gaps"] == 1
