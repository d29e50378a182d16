"""Password hashes and refresh tokens of members.

Refresh tokens are stored as their SHA-256 only. A family is one sign-in: each
refresh marks the presented token rotated and issues the next one, with the
family's original expiry (a session lasts `refresh_token_ttl`, then sign in
again). Presenting a rotated token means it was copied: the family is revoked.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from services.registry.domain.tokens import new_refresh_token, refresh_token_digest
from services.registry.store.tables import member_credentials, refresh_tokens


def password_hash_of(session: Session, member_id: uuid.UUID | None) -> str | None:
    if member_id is None:
        return None
    return session.execute(select(member_credentials.c.password_hash).where(
        member_credentials.c.member_id == member_id)).scalar()


def set_password_hash(session: Session, member_id: uuid.UUID, password_hash: str) -> None:
    now = datetime.now(UTC)
    changed = session.execute(update(member_credentials).where(
        member_credentials.c.member_id == member_id).values(
        password_hash=password_hash, changed_at=now)).rowcount
    if not changed:
        session.execute(insert(member_credentials).values(
            member_id=member_id, password_hash=password_hash, changed_at=now))


@dataclass(frozen=True)
class RefreshToken:
    family_id: uuid.UUID
    member_id: uuid.UUID
    expires_at: datetime
    rotated: bool
    revoked: bool


def issue_refresh_token(session: Session, member_id: uuid.UUID, *, ttl: int,
                        family_id: uuid.UUID | None = None,
                        expires_at: datetime | None = None) -> str:
    """A new token (the caller hands it out once); a new family unless one is given."""
    now = datetime.now(UTC)
    token = new_refresh_token()
    session.execute(insert(refresh_tokens).values(
        token_hash=refresh_token_digest(token), family_id=family_id or uuid.uuid4(),
        member_id=member_id, issued_at=now,
        expires_at=expires_at or now + timedelta(seconds=ttl)))
    return token


def find_refresh_token(session: Session, token: str) -> RefreshToken | None:
    row = session.execute(select(refresh_tokens).where(
        refresh_tokens.c.token_hash == refresh_token_digest(token)).with_for_update()).first()
    if row is None:
        return None
    expires_at = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    return RefreshToken(row.family_id, row.member_id, expires_at,
                        rotated=row.rotated_at is not None, revoked=row.revoked_at is not None)


def mark_rotated(session: Session, token: str) -> bool:
    """Mark the token used; False if another request rotated it first (a race or a copy)."""
    return session.execute(update(refresh_tokens).where(
        refresh_tokens.c.token_hash == refresh_token_digest(token),
        refresh_tokens.c.rotated_at.is_(None)).values(rotated_at=datetime.now(UTC))).rowcount == 1


def revoke_family(session: Session, family_id: uuid.UUID) -> None:
    session.execute(update(refresh_tokens).where(
        refresh_tokens.c.family_id == family_id, refresh_tokens.c.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC)))


def revoke_member_sessions(session: Session, member_id: uuid.UUID) -> None:
    """Every sign-in of the member ends (password changed, member deactivated)."""
    session.execute(update(refresh_tokens).where(
        refresh_tokens.c.member_id == member_id, refresh_tokens.c.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC)))
