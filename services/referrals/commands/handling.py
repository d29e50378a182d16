"""Moving a referral through its workflow, redirecting, assigning, writing notes."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from services.referrals.commands.pathways import after_close
from services.referrals.domain.actors import Actor
from services.referrals.domain.errors import InvalidReferral, StateConflict
from services.referrals.domain.routing import DEFAULT_EXPIRY_DAYS, DEFAULT_REMINDER_DAYS
from services.referrals.domain.workflow import CLOSED, REQUESTED, decide
from services.referrals.store import referrals as store
from services.referrals.store import routing
from services.referrals.store.cipher import Protection
from services.referrals.store.referral_tables import notes
from services.referrals.store.tables import member_directory
from shared.events import new_event
from shared.messaging.outbox import publish


def transition(session: Session, referral: dict, actor: Actor | None, capacity: str,
               action: str, expected_version: int, now: datetime, protection: Protection,
               *, reason_code=None, outcome_code=None, text=None, comment=None) -> dict:
    """Raises TransitionRefused (role/state/field) or StaleVersion."""
    move = decide(referral["status"], action, capacity, reason_code=reason_code,
                  outcome_code=outcome_code)
    encrypt = protection.cipher.encrypt
    values = {"status": move.to, "updated_at": now}
    if reason_code:
        values.update(reason_code=reason_code, reason_text_enc=encrypt(text))
    if outcome_code:
        values.update(outcome_code=outcome_code, outcome_text_enc=encrypt(text))
    if referral["first_answer_at"] is None and referral["status"] == REQUESTED \
            and action != "cancel":
        values["first_answer_at"] = now
    if move.to in CLOSED:
        values["closed_at"] = now
    changed = store.change(session, referral, expected_version, **values)
    store.record_transition(session, changed, action, from_status=referral["status"],
                            occurred_at=now, actor=actor, comment_enc=encrypt(comment),
                            reason_code=reason_code, outcome_code=outcome_code)
    store.publish_change(session, changed, move.verb, occurred_at=now,
                         actor_member_id=actor.member_id if actor else None,
                         previous_status=referral["status"])
    if move.to in CLOSED:
        after_close(session, changed, actor, now)
    return changed


def redirect(session: Session, referral: dict, actor: Actor, organisation_id: uuid.UUID,
             reason: str, expected_version: int, now: datetime, protection: Protection) -> dict:
    """Send a still unanswered referral to another organisation; its delays start again."""
    if referral["status"] != REQUESTED:
        raise StateConflict("Seule une orientation en attente de réponse peut être réorientée.")
    if organisation_id == referral["receiving_organisation_id"]:
        raise InvalidReferral("organisation_id", "L'orientation est déjà chez cette structure.")
    if not routing.organisation_is_active(session, organisation_id):
        raise InvalidReferral("organisation_id", "Structure inconnue ou inactive.")
    contract = routing.contract(session, referral["contract_id"]) \
        if referral["contract_id"] else None
    remind = contract.reminder_after_days if contract else DEFAULT_REMINDER_DAYS
    expire = contract.expire_after_days if contract else DEFAULT_EXPIRY_DAYS
    previous = referral["receiving_organisation_id"]
    changed = store.change(session, referral, expected_version,
                           receiving_organisation_id=organisation_id, assignee_member_id=None,
                           remind_at=now + timedelta(days=remind),
                           expire_at=now + timedelta(days=expire), reminded_at=None,
                           updated_at=now)
    store.record_transition(session, changed, "redirect", from_status=REQUESTED,
                            occurred_at=now, actor=actor,
                            comment_enc=protection.cipher.encrypt(reason),
                            from_organisation_id=previous, to_organisation_id=organisation_id)
    store.publish_change(session, changed, "redirected", occurred_at=now,
                         actor_member_id=actor.member_id, previous_status=REQUESTED,
                         previous_organisation_id=previous)
    return changed


def assign(session: Session, referral: dict, actor: Actor, assignee: uuid.UUID | None,
           expected_version: int, now: datetime) -> dict:
    if referral["status"] in CLOSED:
        raise StateConflict("Une orientation close ne peut plus être attribuée.")
    if assignee is not None and not _is_handler_of(session, assignee,
                                                   referral["receiving_organisation_id"]):
        raise InvalidReferral("assignee_member_id",
                              "Ce membre n'est pas un agent actif de la structure destinataire.")
    changed = store.change(session, referral, expected_version, assignee_member_id=assignee,
                           updated_at=now)
    store.record_transition(session, changed, "assign", from_status=referral["status"],
                            occurred_at=now, actor=actor)
    store.publish_change(session, changed, "assigned", occurred_at=now,
                         actor_member_id=actor.member_id, previous_status=referral["status"])
    return changed


def _is_handler_of(session: Session, member_id, organisation_id) -> bool:
    row = session.execute(select(member_directory).where(
        member_directory.c.id == member_id, member_directory.c.deleted.is_(False))).first()
    return bool(row and row.active and row.organisation_id == organisation_id
                and "handler" in (row.roles or ()))


def add_note(session: Session, referral: dict, actor: Actor, visibility: str, body: str,
             now: datetime, protection: Protection) -> dict:
    """An internal note (receiving organisation only) or a message shared with the
    referrer; a shared message is announced by an event (without its text)."""
    note = {"id": uuid.uuid4(), "referral_id": referral["id"], "visibility": visibility,
            "author_member_id": actor.member_id, "author_organisation_id": actor.organisation_id,
            "body_enc": protection.cipher.encrypt(body), "created_at": now}
    session.execute(insert(notes).values(**note))
    if visibility == "shared":
        publish(session, new_event("referrals.message.shared", {
            "id": note["id"], "referral_id": referral["id"],
            "author_member_id": actor.member_id,
            "author_organisation_id": actor.organisation_id,
            "referrer_member_id": referral["referrer_member_id"],
            "referrer_organisation_id": referral["referrer_organisation_id"],
            "receiving_organisation_id": referral["receiving_organisation_id"],
            "assignee_member_id": referral["assignee_member_id"],
            "urgency": referral["urgency"], "occurred_at": now}, subject=str(referral["id"])))
    return {**note, "body": body}
