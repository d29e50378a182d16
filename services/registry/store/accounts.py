"""Creating accounts outside the API: the first admin (CLI) and the demo accounts.

The same rules as the API (password length, unique e-mail), the same events.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from services.registry.domain.members import Member
from services.registry.domain.organisations import Organisation
from services.registry.domain.passwords import hash_password
from services.registry.store import credentials as credential_store
from services.registry.store import members as member_store
from services.registry.store import organisations as organisation_store

ADMIN_ORGANISATION = "Administration Relais"


class AccountRefused(ValueError):
    """Nothing was created; the message says why (for the operator)."""


def create_member(session: Session, member: Member, password: str | None) -> Member:
    """Add `member` with a password (hashed): the caller checked the e-mail is free."""
    password_hash = hash_password(password) if password is not None else None
    member_store.add(session, member)
    if password_hash:
        credential_store.set_password_hash(session, member.id, password_hash)
    return member


def admin_organisation(session: Session) -> Organisation:
    """The platform's own organisation (kind `other`), created on first use."""
    existing = organisation_store.find_by_name(session, ADMIN_ORGANISATION)
    if existing:
        return existing
    organisation = Organisation(name=ADMIN_ORGANISATION, kind="other")
    organisation_store.add(session, organisation)
    return organisation


def create_admin(session: Session, *, email: str, name: str, password: str,
                 organisation_id: uuid.UUID | None = None) -> Member:
    if member_store.email_taken(session, email):
        raise AccountRefused(f"a member with the e-mail {email} already exists: nothing created")
    if organisation_id is None:
        organisation_id = admin_organisation(session).id
    elif not organisation_store.organisation_active(session, organisation_id):
        raise AccountRefused(f"no active organisation {organisation_id}: nothing created")
    member = Member(organisation_id=organisation_id, email=email, display_name=name,
                    roles=("admin",))
    return create_member(session, member, password)
