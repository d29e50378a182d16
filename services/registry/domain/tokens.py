"""Access-token claims: who the member is, in which organisation, with which roles."""

from __future__ import annotations

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
