"""Sign-in, refresh rotation and reuse detection, sign-out, throttling, passwords."""

import jwt
import pytest

from tests.integration.registry_directory.conftest import PASSWORD, registry_client

pytestmark = pytest.mark.integration


@pytest.fixture
def account(any_client):
    org = any_client.organisation(name="CCAS de Créteil")
    member = any_client.member(org["id"], email="Agent@Example.org", roles=["handler"])
    return any_client, org, member


def claims_of(client, access_token):
    keys = jwt.PyJWKSet.from_dict(client.get("/.well-known/jwks.json").json)
    header = jwt.get_unverified_header(access_token)
    key = next(k for k in keys.keys if k.key_id == header["kid"])
    return jwt.decode(access_token, key, algorithms=["EdDSA"], audience="relais",
                      issuer="relais-registry")


def test_sign_in_gives_a_signed_access_token_and_a_refresh_token(account):
    client, org, member = account
    response = client.sign_in("  agent@EXAMPLE.org ")
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 900)
    claims = claims_of(client, body["access_token"])
    assert (claims["sub"], claims["org"], claims["roles"]) == (member["id"], org["id"],
                                                                ["handler"])
    assert claims["exp"] - claims["iat"] == 900
    assert len(body["refresh_token"]) >= 40
    listed = client.get("/api/v1/members", headers=client.bearer(body["access_token"]))
    assert listed.status_code == 200 and listed.json["items"][0]["email"] == "Agent@Example.org"


@pytest.mark.parametrize("email,password", [("agent@example.org", "wrong password!"),
                                            ("nobody@example.org", PASSWORD)])
def test_wrong_password_and_unknown_account_get_the_same_401(account, email, password):
    client, _, _ = account
    response = client.sign_in(email, password)
    assert (response.status_code, response.json["code"]) == (401, "invalid_credentials")
    assert "access_token" not in response.json


def test_a_deactivated_member_gets_no_token_and_no_refresh(account):
    client, _, member = account
    refresh = client.sign_in("agent@example.org").json["refresh_token"]
    client.delete(f"/api/v1/members/{member['id']}", headers=client.headers("admin"))
    assert client.sign_in("agent@example.org").status_code == 401
    assert client.post("/api/v1/auth/refresh",
                       json={"refresh_token": refresh}).status_code == 401


def test_members_of_a_deactivated_organisation_cannot_sign_in(account):
    client, org, _ = account
    client.delete(f"/api/v1/organisations/{org['id']}", headers=client.headers("admin"))
    assert client.sign_in("agent@example.org").status_code == 401


def test_refresh_rotates_and_reuse_revokes_the_whole_family(account):
    client, _, member = account
    first = client.sign_in("agent@example.org").json["refresh_token"]
    second = client.post("/api/v1/auth/refresh", json={"refresh_token": first})
    assert second.status_code == 200, second.json
    assert claims_of(client, second.json["access_token"])["sub"] == member["id"]
    third = client.post("/api/v1/auth/refresh",
                        json={"refresh_token": second.json["refresh_token"]})
    assert third.status_code == 200
    # The first token comes back: someone copied it. Every token of the family dies.
    replay = client.post("/api/v1/auth/refresh", json={"refresh_token": first})
    assert (replay.status_code, replay.json["code"]) == (401, "invalid_refresh_token")
    latest = client.post("/api/v1/auth/refresh",
                         json={"refresh_token": third.json["refresh_token"]})
    assert latest.status_code == 401
    other_session = client.sign_in("agent@example.org").json["refresh_token"]
    assert client.post("/api/v1/auth/refresh",
                       json={"refresh_token": other_session}).status_code == 200


def test_refresh_picks_up_role_changes(account):
    client, _, member = account
    refresh = client.sign_in("agent@example.org").json["refresh_token"]
    client.patch(f"/api/v1/members/{member['id']}", json={"roles": ["handler", "coordinator"]},
                 headers=client.headers("admin"))
    renewed = client.post("/api/v1/auth/refresh", json={"refresh_token": refresh}).json
    assert claims_of(client, renewed["access_token"])["roles"] == ["coordinator", "handler"]


def test_sign_out_revokes_the_session(account):
    client, _, _ = account
    refresh = client.sign_in("agent@example.org").json["refresh_token"]
    assert client.post("/api/v1/auth/revoke", json={"refresh_token": refresh}).status_code == 204
    assert client.post("/api/v1/auth/revoke", json={"refresh_token": "unknown"}).status_code == 204
    assert client.post("/api/v1/auth/refresh", json={"refresh_token": refresh}).status_code == 401


@pytest.mark.parametrize("path,body,fields", [
    ("/api/v1/auth/token", {"email": "a@example.org"}, {"password"}),
    ("/api/v1/auth/token", {"email": "a@example.org", "password": "x", "otp": 1}, {"otp"}),
    ("/api/v1/auth/refresh", {}, {"refresh_token"}),
    ("/api/v1/auth/revoke", {"refresh_token": ""}, {"refresh_token"}),
])
def test_malformed_auth_bodies_are_422s(any_client, path, body, fields):
    response = any_client.post(path, json=body)
    assert response.status_code == 422
    assert {e["field"] for e in response.json["errors"]} == fields


def test_five_failures_lock_the_account_with_retry_after(account):
    client, _, _ = account
    for _ in range(5):
        assert client.sign_in("agent@example.org", "wrong password!").status_code == 401
    locked = client.sign_in("agent@example.org")  # even the right password
    assert (locked.status_code, locked.json["code"]) == (429, "too_many_requests")
    assert 800 < int(locked.headers["Retry-After"]) <= 900
    assert client.sign_in("someone.else@example.org", "wrong password!").status_code == 401


def test_a_success_resets_the_account_counter(account):
    client, _, _ = account
    for _ in range(4):
        client.sign_in("agent@example.org", "wrong password!")
    assert client.sign_in("agent@example.org").status_code == 200
    for _ in range(4):
        assert client.sign_in("agent@example.org", "wrong password!").status_code == 401
    assert client.sign_in("agent@example.org").status_code == 200


def test_failures_from_one_address_are_throttled_across_accounts(postgres_url, redis_url,
                                                                 tmp_path):
    with registry_client(postgres_url, redis_url, tmp_path,
                         login_max_failures_per_address=3) as client:
        for i in range(3):
            client.sign_in(f"guess{i}@example.org", "wrong password!")
        response = client.sign_in("another@example.org", "wrong password!")
        assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
