"""Submitting a referral: check, route (local read models only), encrypt, record, publish."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.orm import Session

from services.referrals.domain.actors import Actor
from services.referrals.domain.errors import InvalidReferral
from services.referrals.domain.identity import Identity
from services.referrals.domain.routing import Destination, NoDestination
from services.referrals.domain.workflow import REQUESTED
from services.referrals.store import referrals as store
from services.referrals.store import routing
from services.referrals.store.cipher import Protection
from services.referrals.store.referral_tables import beneficiaries, pathway_runs, referrals


@dataclass(frozen=True)
class Submitted:
    """What intake wrote, enough to show it without reading it back."""
    referral: dict
    identity: Identity
    transition: dict


def submit(session: Session, body: dict, actor: Actor, protection: Protection,
           now: datetime) -> Submitted:
    """Create a routed referral (status requested) and its `submitted` event."""
    identity = Identity(**body["beneficiary"])
    if not routing.need_category_is_known(session, body["need_category"]):
        raise InvalidReferral("need_category", "Catégorie de besoin inconnue.")
    if body.get("action_id") and not routing.action_is_known(session, body["action_id"]):
        raise InvalidReferral("action_id", "Fiche action inconnue.")
    run_steps = None
    if body.get("pathway_id"):
        run_steps, target = _first_step(session, body)
    else:
        target = _route(session, identity.commune, body["need_category"])
    beneficiary_id = add_beneficiary(session, identity, protection, now)
    run_id = None
    if run_steps is not None:
        run_id = _start_run(session, body["pathway_id"], run_steps, beneficiary_id,
                            target.contract_id, actor, now)
    consent = body["consent"]
    referral = {
        "id": uuid.uuid4(), "version": 1, "status": REQUESTED,
        "beneficiary_id": beneficiary_id, "need_category": body["need_category"],
        "commune": identity.commune, "urgency": body["urgency"],
        "description_enc": protection.cipher.encrypt(body["description"]),
        "contract_id": target.contract_id, "action_id": body.get("action_id"),
        "pathway_id": body.get("pathway_id"), "pathway_run_id": run_id,
        "step_position": 1 if run_id else None,
        "referrer_member_id": actor.member_id, "referrer_organisation_id": actor.organisation_id,
        "receiving_organisation_id": target.organisation_id, "assignee_member_id": None,
        "consent_obtained_by": consent["obtained_by"],
        "consent_obtained_at": consent["obtained_at"].astimezone(UTC),
        "consent_method": consent["method"],
        "consent_scope": consent["scope"], "reason_code": None, "outcome_code": None,
        "submitted_at": now, "updated_at": now, **deadlines(target, now),
    }
    referral, transition = open_referral(session, referral, actor, now)
    return Submitted(referral, identity, transition)


def open_referral(session: Session, referral: dict, actor: Actor | None,
                  now) -> tuple[dict, dict]:
    """Insert a new referral, its first transition and its event; both rows."""
    session.execute(_INSERT_REFERRAL, referral)
    transition = store.record_transition(
        session, referral, "submit", from_status=None, occurred_at=now, actor=actor,
        to_organisation_id=referral["receiving_organisation_id"])
    store.publish_change(session, referral, "submitted", occurred_at=now,
                         actor_member_id=actor.member_id if actor else None)
    return store.as_stored(referral), transition


def deadlines(target: Destination, now: datetime) -> dict:
    return {"remind_at": now + timedelta(days=target.reminder_after_days),
            "expire_at": now + timedelta(days=target.expire_after_days)}


def add_beneficiary(session: Session, identity: Identity, protection: Protection,
                    now: datetime) -> uuid.UUID:
    encrypt = protection.cipher.encrypt
    beneficiary_id = uuid.uuid4()
    session.execute(_INSERT_BENEFICIARY, dict(
        id=beneficiary_id, first_name_enc=encrypt(identity.first_name),
        last_name_enc=encrypt(identity.last_name),
        birth_date_enc=encrypt(identity.birth_date.isoformat()),
        phone_enc=encrypt(identity.phone), email_enc=encrypt(identity.email),
        commune=identity.commune, blind_index=protection.blind_index.of(identity),
        created_at=now))
    return beneficiary_id


# Built once: parameters passed at execution reuse one compiled statement.
_INSERT_REFERRAL = insert(referrals)
_INSERT_BENEFICIARY = insert(beneficiaries)


def _route(session: Session, commune: str, need_category: str) -> Destination:
    try:
        return routing.destination(session, commune, need_category)
    except NoDestination as exc:
        raise InvalidReferral("beneficiary.commune", str(exc)) from None


def _first_step(session: Session, body: dict) -> tuple[list[dict], Destination]:
    pathway = routing.pathway(session, body["pathway_id"])
    if pathway is None:
        raise InvalidReferral("pathway_id", "Parcours inconnu ou inactif.")
    steps = pathway["steps"]
    if steps[0]["need_category"] != body["need_category"]:
        raise InvalidReferral(
            "need_category",
            f"La première étape du parcours traite la catégorie « {steps[0]['need_category']} ».")
    return steps, step_destination(session, pathway["contract_id"], steps[0])


def step_destination(session: Session, contract_id, step: dict) -> Destination:
    contract = routing.contract(session, contract_id) if contract_id else None
    organisation_id = uuid.UUID(str(step["organisation_id"]))
    if contract is None:
        return Destination(organisation_id, contract_id)
    return Destination(organisation_id, contract.id, contract.reminder_after_days,
                       contract.expire_after_days)


def _start_run(session: Session, pathway_id, steps, beneficiary_id, contract_id, actor,
               now) -> uuid.UUID:
    pathway = routing.pathway(session, pathway_id)
    run_id = uuid.uuid4()
    session.execute(insert(pathway_runs).values(
        id=run_id, pathway_id=pathway_id, contract_id=contract_id,
        beneficiary_id=beneficiary_id, name=pathway["name"], steps=json.dumps(steps),
        current_position=1, status="active",
        referrer_organisation_id=actor.organisation_id, started_at=now))
    return run_id
