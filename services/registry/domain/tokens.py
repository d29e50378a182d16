"""Tokens: short-lived signed access tokens, long-lived opaque refresh tokens.

An access token (JWT, 15 min) says who the member is, in which organisation,
with which roles. A refresh token is 256 random bits, stored only as its
SHA-256; each use rotates it within its family (one sign-in), and the reuse of
a rotated token revokes the whole family (RFC 9700, refresh token rotation).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

from shared.auth import ROLES


def access_token_claims(*, member_id: str, organisation_id: str | None, roles: list[str],
                        issuer: str, audience: str, ttl: int, now: int) -> dict:
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    claims = {"sub": member_id, "roles": sorted(roles), "iss": issuer, "aud": audience,
              "iat": now, "exp": now + ttl, "jti": str(uuid.uuid4())}
    if organisation_id:
        claims["org"] = organisation_id
    return claims


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def refresh_token_digest(token: str) -> str:
    """What is stored and looked up: a leaked table does not give usable tokens."""
    return hashlib.sha256(token.encode()).hexdigest()
