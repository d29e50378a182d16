# ruff: noqa: E501  (the policy table reads best one operation per line)
"""Who may read or change what: every operation of the three services (read from their
OpenAPI documents) called as nobody and as each principal of the world, each answer
compared with the policy below. A new endpoint fails
`test_every_operation_has_a_declared_policy` until its row is written here.

Columns: anonymous, then the demo accounts of La Possession, then the same roles in
other organisations:

    anon  referrer  handler  coordinator  admin  other_referrer  other_handler  other_coord
          (GP, CPTS  (CCAS La   (CLS La                (MSP La      (CCAS de       (CLS de
          Ouest)     Possession) Possession)           Possession)   Créteil)       Créteil)

The objects named by a path are the world's (tests/security/world.py): the referral
the GP sent to the CCAS de La Possession, the GP's Sport sur Ordonnance run (steps at
the Maison Sport Santé and the sports service), the GP's inbox item, the CCAS's
webhook subscription, the CLS de La Possession and its plan. DELETE paths name
random ids (404 when allowed). Write bodies: `{}` (422 when allowed) or a probe
(tests/security/operations.py PROBES). 404 for an insider role means the object is
hidden from that caller (another organisation's referral, another member's inbox).
"""

from __future__ import annotations

import pytest

from tests.security.operations import operations, request_for
from tests.security.world import PRINCIPALS

pytestmark = pytest.mark.security

COLUMNS = ("anonymous", *PRINCIPALS)

EXPECTED = {
    "registry GET /.well-known/jwks.json": "200 200 200 200 200 200 200 200",
    "registry GET /api/v1/organisations": "401 200 200 200 200 200 200 200",
    "registry POST /api/v1/organisations": "401 403 403 403 422 403 403 403",
    "registry GET /api/v1/organisations/{organisation_id}": "401 200 200 200 200 200 200 200",
    "registry PATCH /api/v1/organisations/{organisation_id}": "401 403 403 403 200 403 403 403",
    "registry DELETE /api/v1/organisations/{organisation_id}": "401 403 403 403 404 403 403 403",
    "registry GET /api/v1/members": "401 200 200 200 200 200 200 200",
    "registry POST /api/v1/members": "401 403 403 403 422 403 403 403",
    "registry GET /api/v1/members/{member_id}": "401 200 200 200 200 200 200 200",
    "registry PATCH /api/v1/members/{member_id}": "401 403 403 403 200 403 403 403",
    "registry DELETE /api/v1/members/{member_id}": "401 403 403 403 404 403 403 403",
    "registry POST /api/v1/members/{member_id}/password": "401 422 403 403 422 403 403 403",
    "registry POST /api/v1/auth/token": "422 422 422 422 422 422 422 422",
    "registry POST /api/v1/auth/refresh": "422 422 422 422 422 422 422 422",
    "registry POST /api/v1/auth/revoke": "422 422 422 422 422 422 422 422",
    "registry GET /api/v1/need-categories": "401 200 200 200 200 200 200 200",
    "registry POST /api/v1/need-categories": "401 403 403 403 422 403 403 403",
    "registry GET /api/v1/need-categories/{code}": "401 200 200 200 200 200 200 200",
    "registry PATCH /api/v1/need-categories/{code}": "401 403 403 403 200 403 403 403",
    "registry GET /api/v1/communes": "401 200 200 200 200 200 200 200",
    "registry GET /api/v1/communes/{code}": "401 200 200 200 200 200 200 200",
    "registry GET /api/v1/epcis/{code}": "401 200 200 200 200 200 200 200",
    "registry GET /api/v1/contracts": "401 200 200 200 200 200 200 200",
    "registry POST /api/v1/contracts": "401 403 403 403 422 403 403 403",
    "registry GET /api/v1/contracts/{contract_id}": "401 200 200 200 200 200 200 200",
    "registry PATCH /api/v1/contracts/{contract_id}": "401 403 403 200 200 403 403 403",
    "registry DELETE /api/v1/contracts/{contract_id}": "401 403 403 403 404 403 403 403",
    "registry GET /api/v1/contracts/{contract_id}/routing-rules": "401 200 200 200 200 200 200 200",
    "registry POST /api/v1/contracts/{contract_id}/routing-rules": "401 403 403 201 201 403 403 403",
    "registry GET /api/v1/contracts/{contract_id}/routing-rules/{rule_id}": "401 200 200 200 200 200 200 200",
    "registry PATCH /api/v1/contracts/{contract_id}/routing-rules/{rule_id}": "401 403 403 200 200 403 403 403",
    "registry DELETE /api/v1/contracts/{contract_id}/routing-rules/{rule_id}": "401 403 403 404 404 403 403 404",
    "registry GET /api/v1/contracts/{contract_id}/coverage": "401 200 200 200 200 200 200 200",
    "registry GET /api/v1/contracts/{contract_id}/pathways": "401 200 200 200 200 200 200 200",
    "registry POST /api/v1/contracts/{contract_id}/pathways": "401 403 403 201 201 403 403 403",
    "registry GET /api/v1/contracts/{contract_id}/pathways/{pathway_id}": "401 200 200 200 200 200 200 200",
    "registry PATCH /api/v1/contracts/{contract_id}/pathways/{pathway_id}": "401 403 403 200 200 403 403 403",
    "registry DELETE /api/v1/contracts/{contract_id}/pathways/{pathway_id}": "401 403 403 404 404 403 403 404",
    "registry GET /api/v1/contracts/{contract_id}/axes": "401 200 200 200 200 200 200 200",
    "registry POST /api/v1/contracts/{contract_id}/axes": "401 403 403 201 201 403 403 403",
    "registry GET /api/v1/axes/{axis_id}": "401 200 200 200 200 200 200 200",
    "registry PATCH /api/v1/axes/{axis_id}": "401 403 403 200 200 403 403 403",
    "registry DELETE /api/v1/axes/{axis_id}": "401 403 403 404 404 403 403 404",
    "registry GET /api/v1/contracts/{contract_id}/actions": "401 200 200 200 200 200 200 200",
    "registry POST /api/v1/contracts/{contract_id}/actions": "401 403 403 201 201 403 403 403",
    "registry GET /api/v1/actions/{action_id}": "401 200 200 200 200 200 200 200",
    "registry PATCH /api/v1/actions/{action_id}": "401 403 403 200 200 403 403 403",
    "registry DELETE /api/v1/actions/{action_id}": "401 403 403 404 404 403 403 404",
    "registry GET /api/v1/actions/{action_id}/indicators": "401 200 200 200 200 200 200 200",
    "registry POST /api/v1/actions/{action_id}/indicators": "401 403 403 201 201 403 403 403",
    "registry GET /api/v1/indicators/{indicator_id}": "401 200 200 200 200 200 200 200",
    "registry PATCH /api/v1/indicators/{indicator_id}": "401 403 403 200 200 403 403 403",
    "registry DELETE /api/v1/indicators/{indicator_id}": "401 403 403 404 404 403 403 404",
    "registry GET /api/v1/indicators/{indicator_id}/measurements": "401 200 200 200 200 200 200 200",
    "registry POST /api/v1/indicators/{indicator_id}/measurements": "401 403 403 201 201 403 403 403",
    "registry GET /api/v1/contracts/{contract_id}/action-plan.csv": "401 200 200 200 200 200 200 200",
    "registry GET /api/v1/contracts/{contract_id}/bodies": "401 200 200 200 200 200 200 200",
    "registry POST /api/v1/contracts/{contract_id}/bodies": "401 403 403 201 201 403 403 403",
    "registry GET /api/v1/bodies/{body_id}": "401 200 200 200 200 200 200 200",
    "registry PATCH /api/v1/bodies/{body_id}": "401 403 403 200 200 403 403 403",
    "registry DELETE /api/v1/bodies/{body_id}": "401 403 403 404 404 403 403 404",
    "registry GET /api/v1/contracts/{contract_id}/meetings": "401 200 200 200 200 200 200 200",
    "registry POST /api/v1/bodies/{body_id}/meetings": "401 403 403 201 201 403 403 403",
    "registry GET /api/v1/meetings/{meeting_id}": "401 200 200 200 200 200 200 200",
    "registry PATCH /api/v1/meetings/{meeting_id}": "401 403 403 200 200 403 403 403",
    "registry GET /api/v1/contracts/{contract_id}/lineage": "401 200 200 200 200 200 200 200",
    "registry POST /api/v1/contracts/{contract_id}/lineage": "401 403 403 422 422 403 403 403",
    "registry DELETE /api/v1/lineage/{link_id}": "401 403 403 404 404 403 403 404",
    "registry GET /api/v1/contracts/{contract_id}/indicators": "401 200 200 200 200 200 200 200",
    "registry GET /api/v1/actions/{action_id}/history": "401 200 200 200 200 200 200 200",
    "referrals GET /api/v1/directory/organisations": "401 200 200 200 200 200 200 200",
    "referrals GET /api/v1/referrals/export.csv": "401 200 200 403 403 200 200 403",
    "referrals GET /api/v1/referrals/counters": "401 403 200 403 403 403 200 403",
    "referrals GET /api/v1/referrals": "401 200 200 403 403 200 200 403",
    "referrals POST /api/v1/referrals": "401 422 403 403 403 422 403 403",
    "referrals GET /api/v1/referrals/{referral_id}": "401 200 200 403 403 404 404 403",
    "referrals POST /api/v1/referrals/{referral_id}/transitions": "401 428 428 403 403 404 404 403",
    "referrals POST /api/v1/referrals/{referral_id}/consent-withdrawal": "401 428 428 403 403 404 404 403",
    "referrals POST /api/v1/referrals/{referral_id}/redirection": "401 403 428 403 403 403 404 403",
    "referrals PUT /api/v1/referrals/{referral_id}/assignment": "401 403 428 403 403 403 404 403",
    "referrals GET /api/v1/referrals/{referral_id}/notes": "401 403 200 403 403 403 404 403",
    "referrals POST /api/v1/referrals/{referral_id}/notes": "401 403 201 403 403 403 404 403",
    "referrals GET /api/v1/referrals/{referral_id}/messages": "401 200 200 403 403 404 404 403",
    "referrals POST /api/v1/referrals/{referral_id}/messages": "401 201 201 403 403 404 404 403",
    "referrals GET /api/v1/pathway-runs/{run_id}": "401 200 404 403 403 404 404 403",
    "referrals GET /api/v1/stats": "401 403 403 200 200 403 403 200",
    "referrals POST /api/v1/access-requests": "401 403 403 403 422 403 403 403",
    "referrals GET /api/v1/referral-codes": "401 200 200 200 200 200 200 200",
    "notifications GET /api/v1/inbox": "401 200 200 200 200 200 200 200",
    "notifications GET /api/v1/inbox/unread-count": "401 200 200 200 200 200 200 200",
    "notifications POST /api/v1/inbox/{item_id}/read": "401 200 404 404 404 404 404 404",
    "notifications POST /api/v1/inbox/read-all": "401 200 200 200 200 200 200 200",
    "notifications GET /api/v1/preferences": "401 200 200 200 200 200 200 200",
    "notifications PUT /api/v1/preferences": "401 200 200 200 200 200 200 200",
    "notifications GET /api/v1/preferences/organisations/{organisation_id}": "401 403 403 200 200 403 403 403",
    "notifications PUT /api/v1/preferences/organisations/{organisation_id}": "401 403 403 200 200 403 403 403",
    "notifications GET /api/v1/webhooks": "401 403 403 200 200 403 403 200",
    "notifications POST /api/v1/webhooks": "401 403 403 201 201 403 403 403",
    "notifications GET /api/v1/webhooks/{subscription_id}": "401 403 403 200 200 403 403 404",
    "notifications PATCH /api/v1/webhooks/{subscription_id}": "401 403 403 200 200 403 403 404",
    "notifications DELETE /api/v1/webhooks/{subscription_id}": "401 403 403 404 404 403 403 404",
    "notifications POST /api/v1/webhooks/{subscription_id}/rotate-secret": "401 403 403 200 200 403 403 404",
    "notifications GET /api/v1/deliveries": "401 403 403 403 200 403 403 403",
    "notifications GET /api/v1/deliveries/{delivery_id}": "401 403 403 403 200 403 403 403",
    "notifications POST /api/v1/deliveries/{delivery_id}/replay": "401 403 403 403 409 403 403 403",
}

SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
                    "Referrer-Policy": "no-referrer"}


def check_security_headers(response, path: str) -> list[str]:
    """What is missing from a response's security headers (empty: all there)."""
    missing = [f"{name}: {value}" for name, value in SECURITY_HEADERS.items()
               if response.headers.get(name) != value]
    if path.startswith("/api/") and response.headers.get("Cache-Control") != "no-store":
        missing.append("Cache-Control: no-store")
    if response.is_json and "default-src 'none'" not in \
            response.headers.get("Content-Security-Policy", ""):
        missing.append("Content-Security-Policy")
    return missing


def test_every_operation_has_a_declared_policy(world):
    documented = {operation.key for operation in operations(world)}
    assert sorted(documented - EXPECTED.keys()) == [], "operations without a policy row"
    assert sorted(EXPECTED.keys() - documented) == [], "policy rows of vanished operations"


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_access_matrix(world, key):
    (operation,) = [o for o in operations(world) if o.key == key]
    observed, header_problems = [], []
    for principal in COLUMNS:
        url, body = request_for(operation, world)
        who = None if principal == "anonymous" else principal
        response = world.call(operation.service, operation.method.upper(), url, who, json=body)
        observed.append(response.status_code)
        header_problems += [f"{principal}: {p}" for p in check_security_headers(response, url)]
        if response.status_code == 401:
            assert response.headers.get("WWW-Authenticate") == "Bearer"
            assert response.mimetype == "application/problem+json"
    expected = [int(code) for code in EXPECTED[key].split()]
    differences = {principal: f"expected {want}, got {got}" for principal, want, got
                   in zip(COLUMNS, expected, observed, strict=True) if want != got}
    assert differences == {}, key
    assert header_problems == []
