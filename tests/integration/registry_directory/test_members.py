"""Members: who sees personal details, validation, duplicates, deactivation, events."""

import uuid

import pytest

pytestmark = pytest.mark.integration
PERSONAL = {"email", "rpps", "phone"}


@pytest.fixture
def two_organisations(client):
    ccas = client.organisation(name="CCAS de La Possession", communes=["97408"])
    cpts = client.organisation(name="CPTS Ouest Réunion", kind="cpts")
    doctor = client.member(cpts["id"], email="Dr.Riviere@Example.org", roles=["referrer"],
                           rpps="19999999998", phone="0262 11 22 33")
    return ccas, cpts, doctor


def test_admin_creates_a_member_and_the_event_carries_the_work_contact(client, two_organisations):
    _, cpts, doctor = two_organisations
    assert doctor["email"] == "Dr.Riviere@Example.org" and doctor["rpps"] == "19999999998"
    assert "password" not in doctor
    (event,) = client.events("registry.member.")
    assert event["type"] == "registry.member.created"
    assert event["data"] == {"id": doctor["id"], "version": 1, "organisation_id": cpts["id"],
                             "roles": ["referrer"], "active": True,
                             "email": "Dr.Riviere@Example.org",
                             "display_name": "Agent Démo"}
    assert "rpps" not in event["data"] and "phone" not in event["data"]


def test_personal_details_only_for_admins_and_the_same_organisation(client, two_organisations):
    ccas, cpts, doctor = two_organisations
    url = f"/api/v1/members/{doctor['id']}"
    for headers in (client.headers("admin", org=ccas["id"]),
                    client.headers("referrer", org=cpts["id"]),
                    client.headers("handler", org=cpts["id"])):
        assert set(client.get(url, headers=headers).json) >= PERSONAL
    for role in ("referrer", "handler", "coordinator"):
        outsider = client.get(url, headers=client.headers(role, org=ccas["id"])).json
        assert set(outsider) == {"id", "display_name", "organisation_id", "roles"}
    listed = client.get("/api/v1/members", headers=client.headers("handler", org=ccas["id"]))
    assert [set(m) & PERSONAL for m in listed.json["items"]] == [set()]
    own = client.get(f"/api/v1/members?organisation_id={cpts['id']}",
                     headers=client.headers("referrer", org=cpts["id"]))
    assert own.json["items"][0]["email"] == "Dr.Riviere@Example.org"


@pytest.mark.parametrize("body,fields", [
    ({"rpps": "1234"}, {"rpps"}),
    ({"rpps": "1999999999a"}, {"rpps"}),
    ({"roles": ["king"]}, {"roles.0"}),
    ({"roles": []}, {"roles"}),
    ({"email": "not-an-address"}, {"email"}),
    ({"display_name": ""}, {"display_name"}),
    ({"password": "short"}, {"password"}),
    ({"phone": "tel"}, {"phone"}),
    ({"organisation_id": str(uuid.uuid4())}, {"organisation_id"}),
    ({"nickname": "x"}, {"nickname"}),
])
def test_bad_member_input_is_a_422_naming_the_field(client, body, fields):
    org = client.organisation()
    payload = {"organisation_id": org["id"], "display_name": "A", "email": "a@example.org",
               "roles": ["handler"], **body}
    response = client.post("/api/v1/members", json=payload, headers=client.headers("admin"))
    assert response.status_code == 422, response.json
    assert {e["field"] for e in response.json["errors"]} == fields
    assert client.events("registry.member.") == []


def test_an_email_is_unique_whatever_its_case(client, two_organisations):
    ccas, _, doctor = two_organisations
    body = {"organisation_id": ccas["id"], "display_name": "B", "email": "dr.riviere@example.ORG",
            "roles": ["handler"]}
    response = client.post("/api/v1/members", json=body, headers=client.headers("admin"))
    assert (response.status_code, response.json["errors"][0]["field"]) == (409, "email")
    other = client.member(ccas["id"], email="other@example.org")
    clash = client.patch(f"/api/v1/members/{other['id']}", json={"email": "DR.RIVIERE@example.org"},
                         headers=client.headers("admin"))
    assert clash.status_code == 409


def test_deactivation_keeps_the_member_and_announces_it(client, two_organisations):
    _, _, doctor = two_organisations
    url = f"/api/v1/members/{doctor['id']}"
    gone = client.delete(url, headers=client.headers("admin"))
    assert (gone.status_code, gone.json["active"], gone.json["version"]) == (200, False, 2)
    assert client.get(url, headers=client.headers("admin")).json["active"] is False
    last = client.events("registry.member.")[-1]
    assert (last["type"], last["data"]["active"], last["data"]["version"]) == (
        "registry.member.updated", False, 2)
    back = client.patch(url, json={"active": True, "roles": ["referrer", "coordinator"]},
                        headers=client.headers("admin"))
    assert (back.json["active"], back.json["roles"], back.json["version"]) == (
        True, ["coordinator", "referrer"], 3)


def test_an_admin_cannot_deactivate_themself(client, two_organisations):
    ccas, _, _ = two_organisations
    admin = client.member(ccas["id"], roles=["admin"])
    headers = client.headers("admin", sub=admin["id"], org=ccas["id"])
    assert client.delete(f"/api/v1/members/{admin['id']}", headers=headers).status_code == 403
    assert client.patch(f"/api/v1/members/{admin['id']}", json={"active": False},
                        headers=headers).status_code == 403


def test_moving_to_an_unknown_organisation_is_refused(client, two_organisations):
    _, _, doctor = two_organisations
    response = client.patch(f"/api/v1/members/{doctor['id']}",
                            json={"organisation_id": str(uuid.uuid4())},
                            headers=client.headers("admin"))
    assert (response.status_code, response.json["errors"][0]["field"]) == (422, "organisation_id")


@pytest.mark.parametrize("role", ["referrer", "handler", "coordinator"])
def test_only_admins_write_members(client, two_organisations, role):
    _, cpts, doctor = two_organisations
    own = client.headers(role, org=cpts["id"])
    url = f"/api/v1/members/{doctor['id']}"
    body = {"organisation_id": cpts["id"], "display_name": "X", "email": "x@example.org",
            "roles": ["referrer"]}
    assert client.post("/api/v1/members", json=body, headers=own).status_code == 403
    assert client.patch(url, json={"display_name": "Y"}, headers=own).status_code == 403
    assert client.delete(url, headers=own).status_code == 403


def test_anonymous_callers_get_401(client, two_organisations):
    _, _, doctor = two_organisations
    url = f"/api/v1/members/{doctor['id']}"
    for response in (client.get("/api/v1/members"), client.get(url),
                     client.post("/api/v1/members", json={}), client.patch(url, json={}),
                     client.delete(url),
                     client.post(f"{url}/password", json={"new_password": "x" * 12})):
        assert response.status_code == 401


def test_keyset_pagination_and_filters(client):
    org = client.organisation()
    for i in range(5):
        client.member(org["id"], email=f"m{i}@example.org", password=None,
                      roles=["handler"] if i % 2 else ["referrer"])
    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/members?limit=2" + (f"&after={cursor}" if cursor else ""),
                          headers=client.headers("admin")).json
        seen += [m["email"] for m in page["items"]]
        if not (cursor := page["next"]):
            break
    assert sorted(seen) == [f"m{i}@example.org" for i in range(5)]
    handlers = client.get("/api/v1/members?role=handler", headers=client.headers("admin")).json
    assert sorted(m["email"] for m in handlers["items"]) == ["m1@example.org", "m3@example.org"]
    assert client.get("/api/v1/members?limit=500",
                      headers=client.headers("admin")).status_code == 422


def test_unknown_member_is_404(client):
    url = f"/api/v1/members/{uuid.uuid4()}"
    assert client.get(url, headers=client.headers("referrer")).status_code == 404
    assert client.patch(url, json={"display_name": "Z"},
                        headers=client.headers("admin")).status_code == 404
    assert client.delete(url, headers=client.headers("admin")).status_code == 404
