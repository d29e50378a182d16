"""What each party sees of a referral. The receiving organisation's handlers see
everything including internal notes and possible duplicates; the referrer's
organisation sees the identity it sent, the status, outcome, history and shared
messages, never internal notes; once the person has withdrawn their consent, it no
longer sees the identity nor the description (domain/consent.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.referrals.domain.workflow import HANDLER, REFERRER, REQUESTED
from services.referrals.store.cipher import IdentityCipher
from services.referrals.store.referral_tables import (
    beneficiaries,
    notes,
    referrals,
    transitions,
)
from services.referrals.store.referrals import withdrawal as find_withdrawal

DUPLICATE_WINDOW = timedelta(days=30)
SUMMARY_FIELDS = ("id", "version", "status", "need_category", "commune", "urgency",
                  "contract_id", "action_id", "pathway_id", "pathway_run_id", "step_position",
                  "referrer_member_id", "referrer_organisation_id",
                  "receiving_organisation_id", "assignee_member_id", "reason_code",
                  "outcome_code", "submitted_at", "first_answer_at", "closed_at", "remind_at",
                  "expire_at", "anonymised_at")


def summary(referral: dict, now: datetime) -> dict:
    view = {name: referral[name] for name in SUMMARY_FIELDS}
    view["overdue"] = referral["status"] == REQUESTED and referral["remind_at"] <= now
    return view


def identity(session: Session, beneficiary_id, cipher: IdentityCipher) -> dict | None:
    return identities(session, [beneficiary_id], cipher)[beneficiary_id]


def identities(session: Session, beneficiary_ids, cipher: IdentityCipher) -> dict:
    """Each beneficiary's identity (None once anonymised), read in one query."""
    rows = session.execute(select(beneficiaries).where(
        beneficiaries.c.id.in_(set(beneficiary_ids))))
    return {row.id: _identity(row, cipher) for row in rows}


def _identity(row, cipher: IdentityCipher) -> dict | None:
    if row.anonymised_at is not None:
        return None
    birth = cipher.decrypt(row.birth_date_enc)
    return {"first_name": cipher.decrypt(row.first_name_enc),
            "last_name": cipher.decrypt(row.last_name_enc),
            "birth_date": date.fromisoformat(birth) if birth else None,
            "commune": row.commune, "phone": cipher.decrypt(row.phone_enc),
            "email": cipher.decrypt(row.email_enc)}


def detail(session: Session, referral: dict, capacity: str, cipher: IdentityCipher,
           now: datetime) -> dict:
    withdrawn = find_withdrawal(session, referral["id"])
    shown = capacity == HANDLER or withdrawn is None
    view = _compose(
        referral, capacity, cipher, now, withdrawn=withdrawn,
        beneficiary=identity(session, referral["beneficiary_id"], cipher) if shown else None,
        history=history(session, referral["id"], cipher),
        messages=note_list(session, referral["id"], "shared", cipher))
    if capacity == HANDLER:
        view["notes"] = note_list(session, referral["id"], "internal", cipher)
        view["possible_duplicates"] = possible_duplicates(session, referral)
    return view


def detail_of_new(submitted, cipher: IdentityCipher, now: datetime) -> dict:
    """The referrer's `detail` of a referral just submitted, from what intake wrote
    (`commands.intake.Submitted`): one transition, no message, no withdrawal yet."""
    person = submitted.identity
    return _compose(
        submitted.referral, REFERRER, cipher, now, withdrawn=None,
        beneficiary={"first_name": person.first_name, "last_name": person.last_name,
                     "birth_date": person.birth_date, "commune": person.commune,
                     "phone": person.phone, "email": person.email},
        history=[_history_entry(submitted.transition, cipher)], messages=[])


def _compose(referral: dict, capacity: str, cipher: IdentityCipher, now: datetime, *,
             withdrawn: dict | None, beneficiary: dict | None, history: list[dict],
             messages: list[dict]) -> dict:
    decrypt = cipher.decrypt
    shown = capacity == HANDLER or withdrawn is None
    view = summary(referral, now)
    view.update(
        beneficiary=beneficiary,
        description=decrypt(referral["description_enc"]) if shown else None,
        reason_text=decrypt(referral["reason_text_enc"]),
        outcome_text=decrypt(referral["outcome_text_enc"]),
        consent={"obtained_by": referral["consent_obtained_by"],
                 "obtained_at": referral["consent_obtained_at"],
                 "method": referral["consent_method"], "scope": referral["consent_scope"],
                 "withdrawal": _withdrawal_view(withdrawn, capacity, referral, cipher)},
        history=history, messages=messages)
    return view


def _withdrawal_view(withdrawn: dict | None, capacity: str, referral: dict,
                     cipher: IdentityCipher) -> dict | None:
    """The note stays with the organisation that recorded it (it may say why)."""
    if withdrawn is None:
        return None
    own = referral["receiving_organisation_id" if capacity == HANDLER
                  else "referrer_organisation_id"]
    return {"withdrawn_at": withdrawn["withdrawn_at"], "recorded_by": withdrawn["recorded_by"],
            "recorded_by_member_id": withdrawn["recorded_by_member_id"],
            "recorded_by_organisation_id": withdrawn["recorded_by_organisation_id"],
            "recorded_at": withdrawn["recorded_at"],
            "note": cipher.decrypt(withdrawn["note_enc"])
            if withdrawn["recorded_by_organisation_id"] == own else None}


def history(session: Session, referral_id, cipher: IdentityCipher) -> list[dict]:
    rows = session.execute(select(transitions).where(transitions.c.referral_id == referral_id)
                           .order_by(transitions.c.version, transitions.c.occurred_at))
    return [_history_entry(row._mapping, cipher) for row in rows]


def _history_entry(row, cipher: IdentityCipher) -> dict:
    entry = {name: row[name] for name in _HISTORY_FIELDS}
    entry["comment"] = cipher.decrypt(row["comment_enc"])
    return entry


_HISTORY_FIELDS = ("action", "from_status", "to_status", "actor_member_id",
                   "actor_organisation_id", "reason_code", "outcome_code",
                   "from_organisation_id", "to_organisation_id", "occurred_at", "version")


def note_list(session: Session, referral_id, visibility: str,
              cipher: IdentityCipher) -> list[dict]:
    rows = session.execute(select(notes).where(notes.c.referral_id == referral_id,
                                               notes.c.visibility == visibility)
                           .order_by(notes.c.created_at, notes.c.id))
    return [{"id": r.id, "author_member_id": r.author_member_id,
             "author_organisation_id": r.author_organisation_id,
             "body": cipher.decrypt(r.body_enc), "created_at": r.created_at} for r in rows]


def possible_duplicates(session: Session, referral: dict) -> list:
    """Referrals of the same person (blind index) and need category within 30 days,
    routed to the same organisation (a handler must not learn of others')."""
    blind = session.execute(select(beneficiaries.c.blind_index).where(
        beneficiaries.c.id == referral["beneficiary_id"])).scalar()
    if blind is None:
        return []
    submitted = referral["submitted_at"]
    return list(session.execute(
        select(referrals.c.id).join(beneficiaries,
                                    beneficiaries.c.id == referrals.c.beneficiary_id)
        .where(beneficiaries.c.blind_index == blind, referrals.c.id != referral["id"],
               referrals.c.need_category == referral["need_category"],
               referrals.c.receiving_organisation_id == referral["receiving_organisation_id"],
               referrals.c.submitted_at >= submitted - DUPLICATE_WINDOW,
               referrals.c.submitted_at <= submitted + DUPLICATE_WINDOW)
        .order_by(referrals.c.submitted_at, referrals.c.id)).scalars())
