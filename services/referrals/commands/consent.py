"""Recording a person's withdrawal of consent (the decisions: domain/consent.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from services.referrals.commands.pathways import after_close, stop_run
from services.referrals.domain.actors import Actor
from services.referrals.domain.consent import (
    CONSENT_WITHDRAWN,
    check_withdrawal,
    withdrawal_status,
)
from services.referrals.store import referrals as store
from services.referrals.store.cipher import Protection
from services.referrals.store.referral_tables import consent_withdrawals


def withdraw(session: Session, referral: dict, actor: Actor, body: dict,
             expected_version: int, now: datetime, protection: Protection) -> dict:
    """Record the withdrawal, close the referral if open (cancelled, consent_withdrawn),
    stop its pathway run; raises InvalidReferral, StateConflict or StaleVersion."""
    check_withdrawal(body["withdrawn_at"], referral["consent_obtained_at"], now,
                     store.withdrawal(session, referral["id"]) is not None)
    to = withdrawal_status(referral["status"])
    values = {"updated_at": now}
    if to is not None:
        values.update(status=to, reason_code=CONSENT_WITHDRAWN, closed_at=now)
    changed = store.change(session, referral, expected_version, **values)
    session.execute(insert(consent_withdrawals).values(
        referral_id=referral["id"], withdrawn_at=body["withdrawn_at"],
        recorded_by=body["recorded_by"], recorded_by_member_id=actor.member_id,
        recorded_by_organisation_id=actor.organisation_id,
        note_enc=protection.cipher.encrypt(body.get("note")), recorded_at=now))
    store.record_transition(session, changed, "withdraw_consent",
                            from_status=referral["status"], occurred_at=now, actor=actor,
                            reason_code=CONSENT_WITHDRAWN)
    if to is not None:
        store.publish_change(session, changed, "cancelled", occurred_at=now,
                             actor_member_id=actor.member_id,
                             previous_status=referral["status"])
        after_close(session, changed, actor, now)
    elif changed["pathway_run_id"]:
        stop_run(session, changed["pathway_run_id"], now)
    return changed
