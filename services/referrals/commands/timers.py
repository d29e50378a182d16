"""Time-driven changes: a reminder when a referral is still unanswered after the
contract's delay (once), expiry after the longer one.

Safe with several workers: rows are taken FOR UPDATE SKIP LOCKED (PostgreSQL) and
changed only at the version read, so a referral is never reminded or expired twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from services.referrals.commands.pathways import after_close
from services.referrals.domain.workflow import REQUESTED, SYSTEM, decide
from services.referrals.store import referrals as store
from services.referrals.store.referral_tables import referrals
from shared.logging import get_logger

log = get_logger(__name__)
BATCH = 100


def _due(session: Session, *conditions) -> list[dict]:
    query = (select(referrals).where(referrals.c.status == REQUESTED, *conditions)
             .order_by(referrals.c.submitted_at).limit(BATCH)
             .with_for_update(skip_locked=True))
    return [dict(r._mapping) for r in session.execute(query)]


def expire_unanswered(session: Session, now: datetime) -> int:
    done = 0
    for referral in _due(session, referrals.c.expire_at <= now):
        move = decide(referral["status"], "expire", SYSTEM)
        try:
            changed = store.change(session, referral, referral["version"], status=move.to,
                                   closed_at=now, updated_at=now)
        except store.StaleVersion:
            continue
        store.record_transition(session, changed, "expire", from_status=REQUESTED,
                                occurred_at=now)
        store.publish_change(session, changed, move.verb, occurred_at=now,
                             previous_status=REQUESTED)
        after_close(session, changed, None, now)
        done += 1
    return done


def remind_unanswered(session: Session, now: datetime) -> int:
    done = 0
    for referral in _due(session, referrals.c.remind_at <= now,
                         referrals.c.reminded_at.is_(None)):
        try:
            changed = store.change(session, referral, referral["version"], reminded_at=now,
                                   updated_at=now)
        except store.StaleVersion:
            continue
        store.publish_change(session, changed, "reminded", occurred_at=now,
                             previous_status=REQUESTED)
        done += 1
    return done


def run_timers(sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> dict:
    """One tick: expire first (an expired referral needs no reminder), then remind."""
    counts = {"expired": 0, "reminded": 0}
    for name, step in (("expired", expire_unanswered), ("reminded", remind_unanswered)):
        while True:
            with sessions.begin() as session:
                done = step(session, clock())
            counts[name] += done
            if done < BATCH:
                break
    if any(counts.values()):
        log.info("referrals.timers", **counts)
    return counts
