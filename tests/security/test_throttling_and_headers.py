"""Sign-in throttling (429 with Retry-After, per account and per client address) and
the security headers every response carries, errors and probes included."""

from __future__ import annotations

import uuid

import pytest

from tests.security.test_access_matrix import check_security_headers
from tests.security.world import SERVICES

pytestmark = pytest.mark.security

TOKEN = "/api/v1/auth/token"


def _sign_in(world, email, password, address):
    return world.clients["registry"].post(TOKEN, json={"email": email, "password": password},
                                          environ_base={"REMOTE_ADDR": address})


def _create_account(world) -> tuple[str, str]:
    email, password = f"cible-{uuid.uuid4().hex[:8]}@example.org", "un mot de passe très sûr"
    created = world.call("registry", "POST", "/api/v1/members", "admin", json={
        "organisation_id": world.ids["organisation_id"], "display_name": "Cible (test)",
        "email": email, "roles": ["handler"], "password": password})
    assert created.status_code == 201, created.get_json()
    return email, password


def test_failed_sign_ins_on_one_account_are_throttled_with_retry_after(world):
    email, password = _create_account(world)
    limit = world.settings["registry"].login_max_failures_per_account
    address = "10.20.0.1"
    assert _sign_in(world, email, password, address).status_code == 200
    for _ in range(limit):
        assert _sign_in(world, email, "mauvais mot de passe", address).status_code == 401
    for attempt in (email, email.upper()):  # the account, however it is spelt
        throttled = _sign_in(world, attempt, "mauvais mot de passe", address)
        assert throttled.status_code == 429
        assert 0 < int(throttled.headers["Retry-After"]) <= \
            world.settings["registry"].login_failure_window
        assert throttled.mimetype == "application/problem+json"
        assert check_security_headers(throttled, TOKEN) == []
    # Even the right password waits, and from another address too: the account is the key.
    assert _sign_in(world, email, password, address).status_code == 429
    assert _sign_in(world, email, password, "10.20.0.2").status_code == 429


def test_failed_sign_ins_from_one_address_are_throttled_across_accounts(world):
    email, password = _create_account(world)
    limit = world.settings["registry"].login_max_failures_per_address
    address = "10.30.0.1"
    for n in range(limit):  # a different (unknown) account each time: spraying
        response = _sign_in(world, f"inconnu-{n}@example.org", "devine", address)
        assert response.status_code == 401
    throttled = _sign_in(world, email, password, address)
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
    assert _sign_in(world, email, password, "10.30.0.2").status_code == 200


def test_every_kind_of_response_carries_the_security_headers(world):
    seen = {}
    for service in SERVICES:
        client = world.clients[service]
        oversized = "x" * (world.settings[service].max_body_bytes + 1)
        for label, response, path in (
            ("healthz", client.get("/healthz"), "/healthz"),
            ("metrics", client.get("/metrics"), "/metrics"),
            ("openapi", client.get("/api/v1/openapi.json"), "/api/v1/openapi.json"),
            ("unknown route", client.get("/api/v1/nowhere"), "/api/v1/nowhere"),
            ("401", client.get("/api/v1/inbox"), "/api/v1/inbox"),
            ("405", client.delete("/api/v1/openapi.json"), "/api/v1/openapi.json"),
            ("413", client.post("/api/v1/x", data=oversized,
                                content_type="application/json"), "/api/v1/x"),
            ("415", client.post(TOKEN, data="email=a", content_type="text/plain"), TOKEN),
        ):
            seen[(service, label)] = response.status_code
            assert check_security_headers(response, path) == [], (service, label)
            assert response.headers.get("X-Request-ID")
    assert {code for (_, label), code in seen.items() if label == "413"} == {413}
    assert {code for (_, label), code in seen.items() if label == "415"} == {415}
