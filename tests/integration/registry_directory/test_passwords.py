"""Setting a password: the member with the current one, or an admin; sessions end."""

import pytest

from tests.integration.registry_directory.conftest import PASSWORD

pytestmark = pytest.mark.integration
NEW = "a brand new passphrase"


@pytest.fixture
def member(any_client):
    org = any_client.organisation()
    member = any_client.member(org["id"], email="agent@example.org")
    return any_client, org, member


def own_headers(client, member, org):
    return client.headers("handler", sub=member["id"], org=org["id"])


def test_a_member_changes_their_password_with_the_current_one(member):
    client, org, who = member
    refresh = client.sign_in("agent@example.org").json["refresh_token"]
    response = client.post(f"/api/v1/members/{who['id']}/password",
                           json={"current_password": PASSWORD, "new_password": NEW},
                           headers=own_headers(client, who, org))
    assert response.status_code == 204, response.json
    assert client.sign_in("agent@example.org").status_code == 401
    assert client.sign_in("agent@example.org", NEW).status_code == 200
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": refresh}).status_code == 401


@pytest.mark.parametrize("body,field", [
    ({"new_password": NEW}, "current_password"),
    ({"current_password": "not the password", "new_password": NEW}, "current_password"),
    ({"current_password": PASSWORD, "new_password": "too short"}, "new_password"),
    ({"current_password": PASSWORD, "new_password": "x" * 257}, "new_password"),
])
def test_a_member_needs_the_right_current_password_and_a_long_enough_new_one(member, body,
                                                                            field):
    client, org, who = member
    response = client.post(f"/api/v1/members/{who['id']}/password", json=body,
                           headers=own_headers(client, who, org))
    assert response.status_code == 422
    assert [e["field"] for e in response.json["errors"]] == [field]
    assert client.sign_in("agent@example.org").status_code == 200


def test_guessing_the_current_password_is_throttled(member):
    client, org, who = member
    for _ in range(5):
        client.post(f"/api/v1/members/{who['id']}/password",
                    json={"current_password": "guess guess guess", "new_password": NEW},
                    headers=own_headers(client, who, org))
    response = client.post(f"/api/v1/members/{who['id']}/password",
                           json={"current_password": PASSWORD, "new_password": NEW},
                           headers=own_headers(client, who, org))
    assert response.status_code == 429 and "Retry-After" in response.headers


def test_an_admin_sets_a_password_without_the_current_one(member):
    client, _, who = member
    response = client.post(f"/api/v1/members/{who['id']}/password", json={"new_password": NEW},
                           headers=client.headers("admin"))
    assert response.status_code == 204
    assert client.sign_in("agent@example.org", NEW).status_code == 200


@pytest.mark.parametrize("role", ["referrer", "handler", "coordinator"])
def test_nobody_else_sets_a_members_password(member, role):
    client, org, who = member
    response = client.post(f"/api/v1/members/{who['id']}/password", json={"new_password": NEW},
                           headers=client.headers(role, org=org["id"]))
    assert response.status_code == 403
    assert client.sign_in("agent@example.org").status_code == 200


def test_unknown_member_is_404(member):
    client, _, _ = member
    response = client.post("/api/v1/members/6d6bc68f-4881-4159-b0f3-317b52ed8009/password",
                           json={"new_password": NEW}, headers=client.headers("admin"))
    assert response.status_code == 404
