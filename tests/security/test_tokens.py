"""Tokens that must not open anything: on every secured operation of the three
services, a forged, expired, unsigned (`alg: none`), HMAC-with-the-public-key,
wrong-audience, wrong-issuer, tampered or otherwise malformed token is a 401 — and
the same call with a valid token is not (the control that makes each case able to
fail)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from shared.testing.tokens import TokenFactory
from tests.security.operations import operations, request_for

pytestmark = pytest.mark.security


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(world, **changes) -> dict:
    admin = world.principals["admin"]
    now = int(time.time())
    claims = {"sub": admin.member_id, "org": admin.organisation_id, "roles": ["admin"],
              "aud": "relais", "iss": "relais-registry", "iat": now, "exp": now + 300}
    return {**claims, **changes}


def _unsigned(world) -> str:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": world.issuer.kid}).encode())
    return f"{header}.{_b64(json.dumps(_claims(world)).encode())}."


def _hmac_with_public_key(world, encoding: str) -> str:
    """HS256 keyed with the trusted public key (the classic algorithm confusion)."""
    public = world.issuer.private_key.public_key()
    if encoding == "pem":
        secret = public.public_bytes(serialization.Encoding.PEM,
                                     serialization.PublicFormat.SubjectPublicKeyInfo)
    else:
        secret = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": world.issuer.kid}).encode())
    payload = _b64(json.dumps(_claims(world)).encode())
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def _tampered(world) -> str:
    """A valid referrer token whose payload was changed to claim the admin role."""
    referrer = world.principals["referrer"]
    header, _payload, signature = world.issuer.issue(
        sub=referrer.member_id, org=referrer.organisation_id, roles=("referrer",)).split(".")
    return f"{header}.{_b64(json.dumps(_claims(world)).encode())}.{signature}"


ATTACKS = {
    # Signed by another key that claims the trusted key's id.
    "forged_same_kid": lambda w: TokenFactory(kid=w.issuer.kid).issue(**_kw(w)),
    "forged_unknown_kid": lambda w: TokenFactory().issue(**_kw(w)),
    "expired": lambda w: w.issuer.issue(**_kw(w), ttl=-120),
    "alg_none": _unsigned,
    "hs256_with_public_key_pem": lambda w: _hmac_with_public_key(w, "pem"),
    "hs256_with_public_key_raw": lambda w: _hmac_with_public_key(w, "raw"),
    "wrong_audience": lambda w: w.issuer.issue(**_kw(w), audience="another-app"),
    "wrong_issuer": lambda w: w.issuer.issue(**_kw(w), issuer="https://evil.example.org"),
    "without_expiry": lambda w: w.issuer.issue(**_kw(w), exp=None),
    "unknown_role": lambda w: w.issuer.issue(**{**_kw(w), "roles": ("superuser",)}),
    "tampered_payload": _tampered,
    "not_a_jwt": lambda w: "not-a-token",
}


def _kw(world) -> dict:
    admin = world.principals["admin"]
    return {"sub": admin.member_id, "org": admin.organisation_id, "roles": ("admin",)}


def _secured(world):
    return [o for o in operations(world) if o.secured]


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_bad_token_is_refused_on_every_secured_operation(world, attack):
    token = ATTACKS[attack](world)
    if attack != "not_a_jwt":  # the same claims are otherwise well-formed
        assert len(token.split(".")) == 3
    accepted = {}
    for operation in _secured(world):
        url, body = request_for(operation, world)
        response = world.call(operation.service, operation.method.upper(), url,
                              headers={"Authorization": f"Bearer {token}"}, json=body)
        if response.status_code != 401:
            accepted[operation.key] = response.status_code
    assert accepted == {}


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer ", "Basic YWRtaW46YWRtaW4=",
                                    "Token {token}", "bearer{token}"])
def test_a_malformed_authorization_header_is_refused(world, header):
    token = world.issuer.issue(**_kw(world))
    operation = next(o for o in _secured(world) if o.key == "registry GET /api/v1/members")
    response = world.call("registry", "GET", operation.path,
                          headers={"Authorization": header.format(token=token)})
    assert response.status_code == 401


def test_the_control_a_valid_token_passes_where_a_bad_one_is_refused(world):
    """The attacks above are 401 because they are bad, not because the calls are."""
    token = world.issuer.issue(**_kw(world))
    assert jwt.get_unverified_header(token)["alg"] == "EdDSA"
    for operation in _secured(world):
        url, body = request_for(operation, world)
        response = world.call(operation.service, operation.method.upper(), url,
                              headers={"Authorization": f"Bearer {token}"}, json=body)
        assert response.status_code != 401, operation.key


# The only operations the OpenAPI documents may leave open (probes are not in them).
PUBLIC = {"registry GET /.well-known/jwks.json", "registry POST /api/v1/auth/token",
          "registry POST /api/v1/auth/refresh", "registry POST /api/v1/auth/revoke"}


def test_only_the_documented_public_operations_answer_without_a_token(world):
    open_ones = {o.key for o in operations(world) if not o.secured}
    assert open_ones == PUBLIC
    answered = {}
    for operation in operations(world):
        if operation.key in PUBLIC:
            continue
        url, body = request_for(operation, world)
        response = world.call(operation.service, operation.method.upper(), url, json=body)
        if response.status_code != 401:
            answered[operation.key] = response.status_code
    assert answered == {}
    for service in ("registry", "referrals", "notifications"):
        for probe in ("/healthz", "/readyz", "/metrics"):
            assert world.clients[service].get(probe).status_code == 200, (service, probe)
