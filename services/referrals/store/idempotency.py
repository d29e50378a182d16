"""Idempotency keys of submissions, per member: a retried POST gets the first answer.

The stored answer holds the identity that was sent, so it is encrypted; the request
is compared through a keyed digest, never kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from services.referrals.store.referral_tables import idempotency_keys


def find(session: Session, member_id: str, key: str, now: datetime):
    return session.execute(select(idempotency_keys).where(
        idempotency_keys.c.member_id == member_id, idempotency_keys.c.key == key,
        idempotency_keys.c.expires_at > now)).first()


def save(session: Session, *, member_id: str, key: str, digest: str, referral_id,
         status_code: int, response_enc: str, expires_at: datetime, now: datetime) -> None:
    # An expired key may be reused: its old row goes first.
    session.execute(delete(idempotency_keys).where(
        idempotency_keys.c.member_id == member_id, idempotency_keys.c.key == key,
        idempotency_keys.c.expires_at <= now))
    session.execute(insert(idempotency_keys).values(
        member_id=member_id, key=key, request_digest=digest, referral_id=referral_id,
        status_code=status_code, response_enc=response_enc, expires_at=expires_at))


def prune(session: Session, now: datetime) -> int:
    return session.execute(delete(idempotency_keys).where(
        idempotency_keys.c.expires_at <= now)).rowcount
