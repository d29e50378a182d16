"""Mass assignment: a body cannot set who owns a thing, where it goes, its identity or
its version. Every write operation with a JSON body (from the OpenAPI documents) is
sent, by a principal allowed to call it, with the owner and bookkeeping fields it
does not declare: each is refused with a 422 naming it. Declared owner fields are
then checked where they matter: the referrer's organisation comes from the token,
and only an admin names a contract's coordinator."""

from __future__ import annotations

import uuid

import pytest

from tests.security.operations import operations, request_for
from tests.security.test_access_matrix import COLUMNS, EXPECTED
from tests.security.world import intake

pytestmark = pytest.mark.security

# Fields a client must never set (unless an operation declares one on purpose).
OWNER_FIELDS = ("id", "version", "referrer_organisation_id", "receiving_organisation_id",
                "referrer_member_id", "author_member_id", "author_organisation_id",
                "organisation_id", "contract_id", "status", "created_at", "assignee_member_id",
                "secret", "roles", "active")


def _declared_fields(world, operation) -> set[str]:
    document = world.clients[operation.service].get("/api/v1/openapi.json").get_json()
    body = document["paths"][operation.path][operation.method].get("requestBody")
    if body is None:
        return set()
    schema = body["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return set(schema.get("properties", {}))


def _allowed_principal(key: str) -> str | None:
    for principal, code in zip(COLUMNS, EXPECTED[key].split(), strict=True):
        if principal != "anonymous" and code not in ("401", "403", "404"):
            return principal
    return None


def _writes_with_bodies(world):
    for operation in operations(world):
        if operation.method in ("post", "put", "patch") and _declared_fields(world, operation):
            yield operation


def test_undeclared_owner_fields_are_refused_by_every_write(world):
    checked, honoured = [], {}
    for operation in _writes_with_bodies(world):
        principal = _allowed_principal(operation.key)
        if principal is None:
            continue
        declared = _declared_fields(world, operation)
        url, body = request_for(operation, world)
        injected = {name: str(uuid.uuid4()) for name in OWNER_FIELDS if name not in declared}
        response = world.call(operation.service, operation.method.upper(), url, principal,
                              json={**(body or {}), **injected})
        named = {e.get("field") for e in (response.get_json() or {}).get("errors", [])}
        if response.status_code != 422 or not set(injected) <= named:
            honoured[operation.key] = (response.status_code, sorted(set(injected) - named))
        checked.append(operation.key)
    assert len(checked) >= 30  # not vacuous: every write with a JSON body
    assert honoured == {}


def test_a_referral_belongs_to_the_token_s_organisation_whatever_the_body_says(world):
    referrer = world.principals["referrer"]
    for name in ("referrer_organisation_id", "receiving_organisation_id", "referrer_member_id",
                 "status", "version", "id", "assignee_member_id"):
        response = world.call("referrals", "POST", "/api/v1/referrals", "referrer",
                              json={**intake(), name: str(uuid.uuid4())})
        assert response.status_code == 422, name
        assert [e["field"] for e in response.get_json()["errors"]] == [name]
    created = world.call("referrals", "POST", "/api/v1/referrals", "referrer", json=intake())
    assert created.status_code == 201
    assert created.get_json()["referrer_organisation_id"] == referrer.organisation_id
    assert created.get_json()["referrer_member_id"] == referrer.member_id


def test_a_shared_message_is_signed_by_the_token_not_the_body(world):
    path = f"/api/v1/referrals/{world.ids['referral_id']}/messages"
    other = world.principals["other_handler"]
    forged = world.call("referrals", "POST", path, "handler", json={
        "body": "Bonjour", "author_member_id": other.member_id,
        "author_organisation_id": other.organisation_id})
    assert forged.status_code == 422
    honest = world.call("referrals", "POST", path, "handler", json={"body": "Bonjour"})
    assert honest.status_code == 201
    assert honest.get_json()["author_member_id"] == world.principals["handler"].member_id


def test_only_an_admin_names_a_contract_s_coordinator(world):
    path = f"/api/v1/contracts/{world.ids['contract_id']}"
    response = world.call("registry", "PATCH", path, "coordinator", json={
        "coordinator_member_id": world.principals["other_coordinator"].member_id})
    assert response.status_code == 403
    contract = world.call("registry", "GET", path, "coordinator").get_json()
    assert contract["coordinator_member_id"] == world.principals["coordinator"].member_id


def test_a_coordinator_cannot_subscribe_a_webhook_for_another_organisation(world):
    response = world.call("notifications", "POST", "/api/v1/webhooks", "other_coordinator",
                          json={"organisation_id": world.ids["organisation_id"],
                                "url": "https://attacker.example.org/hook",
                                "event_types": ["referrals.referral.submitted"]})
    assert response.status_code == 403
