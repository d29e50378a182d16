"""Organisations: communes and categories checked, filters, deactivation, events, roles."""

import uuid

import pytest

pytestmark = pytest.mark.integration
ROLES = ("referrer", "handler", "coordinator")


def test_an_organisation_serves_communes_and_handles_categories_with_full_events(client):
    created = client.organisation(name="CCAS de La Possession", communes=["97408"],
                                  need_categories=["housing", "access_to_rights", "housing"],
                                  phone="0262 00 00 00", email="accueil@example.org")
    assert created["need_categories"] == ["access_to_rights", "housing"]
    assert (created["communes"], created["phone"]) == (["97408"], "0262 00 00 00")
    changed = client.patch(f"/api/v1/organisations/{created['id']}",
                           json={"communes": ["97408", "97415"]},
                           headers=client.headers("admin"))
    assert (changed.json["communes"], changed.json["version"]) == (["97408", "97415"], 2)
    events = client.events("registry.organisation.")
    assert [e["type"] for e in events] == ["registry.organisation.created",
                                           "registry.organisation.updated"]
    assert events[1]["data"] == {
        "id": created["id"], "version": 2, "name": "CCAS de La Possession", "kind": "ccas",
        "active": True, "communes": ["97408", "97415"],
        "need_categories": ["access_to_rights", "housing"]}


@pytest.mark.parametrize("body,fields", [
    ({"communes": ["97408", "12345", "99999"]}, {"communes.1", "communes.2"}),
    ({"communes": ["9740"]}, {"communes.0"}),
    ({"need_categories": ["housing", "astrology"]}, {"need_categories.1"}),
    ({"phone": "call me"}, {"phone"}),
    ({"email": "nope"}, {"email"}),
])
def test_unknown_communes_and_categories_are_422s_naming_the_position(client, body, fields):
    response = client.post("/api/v1/organisations", json={"name": "X", "kind": "ccas", **body},
                           headers=client.headers("admin"))
    assert response.status_code == 422, response.json
    assert {e["field"] for e in response.json["errors"]} == fields
    assert client.events("registry.organisation.") == []


def test_patch_checks_references_too(client):
    org = client.organisation()
    response = client.patch(f"/api/v1/organisations/{org['id']}",
                            json={"need_categories": ["nothing_known"]},
                            headers=client.headers("admin"))
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "need_categories.0"


def test_filters_by_commune_category_kind_and_state(client):
    ccas = client.organisation(name="CCAS de Créteil", communes=["94028"],
                               need_categories=["housing"])
    client.organisation(name="CLSM de Créteil", kind="clsm", communes=["94028"],
                        need_categories=["mental_health"])
    client.organisation(name="CCAS de Gennevilliers", communes=["92036"],
                        need_categories=["housing"])

    def names(query):
        response = client.get(f"/api/v1/organisations?{query}", headers=client.headers("handler"))
        assert response.status_code == 200, response.json
        return sorted(o["name"] for o in response.json["items"])

    assert names("commune=94028") == ["CCAS de Créteil", "CLSM de Créteil"]
    assert names("commune=94028&need_category=housing") == ["CCAS de Créteil"]
    assert names("kind=ccas&need_category=housing") == ["CCAS de Créteil",
                                                        "CCAS de Gennevilliers"]
    client.delete(f"/api/v1/organisations/{ccas['id']}", headers=client.headers("admin"))
    assert names("active=false") == ["CCAS de Créteil"]
    assert names("active=true&commune=94028") == ["CLSM de Créteil"]
    assert client.get("/api/v1/organisations?commune=abc",
                      headers=client.headers("handler")).status_code == 422


def test_delete_deactivates_keeps_the_organisation_and_announces_an_update(client):
    org = client.organisation(communes=["94028"])
    gone = client.delete(f"/api/v1/organisations/{org['id']}", headers=client.headers("admin"))
    assert (gone.status_code, gone.json["active"], gone.json["version"]) == (200, False, 2)
    again = client.delete(f"/api/v1/organisations/{org['id']}", headers=client.headers("admin"))
    assert again.json["version"] == 2, "already inactive: no new version"
    still = client.get(f"/api/v1/organisations/{org['id']}", headers=client.headers("referrer"))
    assert still.json["communes"] == ["94028"]
    last = client.events("registry.organisation.")[-1]
    assert (last["type"], last["data"]["active"]) == ("registry.organisation.updated", False)


@pytest.mark.parametrize("roles", [(role,) for role in ROLES])
def test_only_admins_write(client, roles):
    org = client.organisation()
    url = f"/api/v1/organisations/{org['id']}"
    for response in (
        client.post("/api/v1/organisations", json={"name": "X", "kind": "ccas"},
                    headers=client.headers(*roles)),
        client.patch(url, json={"name": "Y"}, headers=client.headers(*roles)),
        client.delete(url, headers=client.headers(*roles)),
    ):
        assert response.status_code == 403, response.json
    assert client.get(url, headers=client.headers(*roles)).status_code == 200


def test_anonymous_callers_get_401_everywhere(client):
    org = client.organisation()
    url = f"/api/v1/organisations/{org['id']}"
    for response in (client.get("/api/v1/organisations"), client.get(url),
                     client.post("/api/v1/organisations", json={"name": "X", "kind": "ccas"}),
                     client.patch(url, json={"name": "Y"}), client.delete(url)):
        assert response.status_code == 401


def test_unknown_organisation_is_404_for_every_verb(client):
    url = f"/api/v1/organisations/{uuid.uuid4()}"
    admin = client.headers("admin")
    assert client.get(url, headers=admin).status_code == 404
    assert client.patch(url, json={"name": "Y"}, headers=admin).status_code == 404
    assert client.delete(url, headers=admin).status_code == 404
