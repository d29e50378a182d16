"""Retention and people's rights: anonymisation after the retention period (statistics
survive: status, dates, category, commune, organisations stay), key rotation, and one
person's full record for an access request."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from services.referrals.domain.identity import Identity
from services.referrals.store import audit, views
from services.referrals.store.cipher import BlindIndex, IdentityCipher
from services.referrals.store.referral_tables import (
    ENCRYPTED_COLUMNS,
    beneficiaries,
    consent_withdrawals,
    idempotency_keys,
    notes,
    referrals,
    transitions,
)
from shared.logging import get_logger

log = get_logger(__name__)
BATCH = 500


def anonymisable(session: Session, now: datetime, retention_days: int) -> list:
    """Beneficiaries whose referrals are all closed for longer than the retention period."""
    cutoff = now - timedelta(days=retention_days)
    recent = select(referrals.c.beneficiary_id).where(
        or_(referrals.c.closed_at.is_(None), referrals.c.closed_at > cutoff))
    return list(session.execute(select(beneficiaries.c.id).where(
        beneficiaries.c.anonymised_at.is_(None), beneficiaries.c.id.not_in(recent))
        .order_by(beneficiaries.c.id)).scalars())


def anonymise(session: Session, now: datetime, retention_days: int, *,
              dry_run: bool) -> dict:
    """Idempotent: what was anonymised is not selected again. Logged with counts only."""
    people = anonymisable(session, now, retention_days)
    referral_ids = []
    for start in range(0, len(people), BATCH):
        chunk = people[start:start + BATCH]
        referral_ids += session.execute(select(referrals.c.id).where(
            referrals.c.beneficiary_id.in_(chunk))).scalars().all()
        if not dry_run:
            _erase(session, chunk, now)
    if not dry_run and referral_ids:
        audit.record(session, action="anonymise", purpose="retention", referral_ids=referral_ids,
                     occurred_at=now)
    counts = {"beneficiaries": len(people), "referrals": len(referral_ids), "dry_run": dry_run}
    log.info("referrals.anonymise", **counts, retention_days=retention_days)
    return counts


def _erase(session: Session, people: list, now: datetime) -> None:
    ids = select(referrals.c.id).where(referrals.c.beneficiary_id.in_(people))
    session.execute(update(beneficiaries).where(beneficiaries.c.id.in_(people)).values(
        **dict.fromkeys(ENCRYPTED_COLUMNS[beneficiaries]), blind_index=None,
        anonymised_at=now))
    session.execute(update(transitions).where(transitions.c.referral_id.in_(ids))
                    .values(comment_enc=None))
    session.execute(update(notes).where(notes.c.referral_id.in_(ids)).values(body_enc=None))
    session.execute(update(consent_withdrawals).where(consent_withdrawals.c.referral_id.in_(ids))
                    .values(note_enc=None))
    session.execute(delete(idempotency_keys).where(idempotency_keys.c.referral_id.in_(ids)))
    session.execute(update(referrals).where(referrals.c.beneficiary_id.in_(people)).values(
        **dict.fromkeys(ENCRYPTED_COLUMNS[referrals]), anonymised_at=now))


def rotate(session: Session, cipher: IdentityCipher) -> int:
    """Re-encrypt every encrypted value with the newest key; the count of values."""
    done = 0
    for table, columns in ENCRYPTED_COLUMNS.items():
        keys = list(table.primary_key.columns)
        offset = 0
        while True:
            rows = session.execute(select(*keys, *(table.c[c] for c in columns))
                                   .order_by(*keys).offset(offset).limit(BATCH)).all()
            for row in rows:
                values = {c: cipher.rotate(getattr(row, c)) for c in columns
                          if getattr(row, c) is not None}
                if values:
                    session.execute(update(table).where(
                        *(k == getattr(row, k.name) for k in keys)).values(**values))
                    done += len(values)
            if len(rows) < BATCH:
                break
            offset += BATCH
    log.info("referrals.encryption_rotated", values=done)
    return done


def person_record(session: Session, identity: Identity, blind_index: BlindIndex,
                  cipher: IdentityCipher, now: datetime, *, requested_by: str | None,
                  request_id: str | None = None) -> dict:
    """Everything held about one person (found by blind index), for an access request."""
    people = session.execute(select(beneficiaries.c.id).where(
        beneficiaries.c.blind_index == blind_index.of(identity))).scalars().all()
    rows = [dict(r._mapping) for r in session.execute(
        select(referrals).where(referrals.c.beneficiary_id.in_(people))
        .order_by(referrals.c.submitted_at))]
    found = []
    for row in rows:
        view = views.detail(session, row, "handler", cipher, now)
        view.pop("possible_duplicates", None)
        found.append(view)
    audit.record(session, action="access_request", purpose="data_subject_access",
                 member_id=requested_by, referral_ids=[r["id"] for r in rows] or [None],
                 request_id=request_id, occurred_at=now)
    return {"beneficiaries": len(people), "referrals": found}
