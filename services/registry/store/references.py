"""What the contracts part checks in the directory's tables before pointing at it:
organisations (exist, active), need categories (exist), coordinators (an active
member with the coordinator role).

Read straight from the directory's tables (one query per check, whatever the
number of references) rather than through its repository, which loads links the
checks do not need.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.registry.store import members as member_store
from services.registry.store.tables import need_categories, organisations


def organisation_activity(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, bool]:
    """{id: active} for the organisations among `ids` that exist."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = session.execute(select(organisations.c.id, organisations.c.active)
                           .where(organisations.c.id.in_(ids)))
    return {row.id: row.active for row in rows}


def known_need_categories(session: Session, codes: Iterable[str] | None = None, *,
                          active_only: bool = False) -> set[str]:
    """The codes among `codes` (all when None) that exist."""
    query = select(need_categories.c.code)
    if codes is not None:
        codes = set(codes)
        if not codes:
            return set()
        query = query.where(need_categories.c.code.in_(codes))
    if active_only:
        query = query.where(need_categories.c.active.is_(True))
    return set(session.execute(query).scalars())


def reference_problems(session: Session, *, organisations_by_field: dict[str, uuid.UUID | None],
                       categories_by_field: dict[str, str] | None = None,
                       receiving: bool = True) -> list[tuple[str, str]]:
    """(field, message) for each organisation that is unknown (or inactive when it is
    to receive needs) and each unknown need category; fields name where the client
    put the reference (`organisation_id`, `steps.1.organisation_id`)."""
    errors = []
    activity = organisation_activity(session, organisations_by_field.values())
    for name, organisation_id in organisations_by_field.items():
        if organisation_id is None:
            continue
        if organisation_id not in activity:
            errors.append((name, "Organisme inconnu."))
        elif receiving and not activity[organisation_id]:
            errors.append((name, "Cet organisme est désactivé : il ne peut plus recevoir "
                                 "de besoins."))
    categories_by_field = categories_by_field or {}
    known = known_need_categories(session, categories_by_field.values())
    errors += [(name, f"Catégorie de besoin inconnue : {code}.")
               for name, code in categories_by_field.items() if code not in known]
    return errors


def coordinator_problems(session: Session, member_id: uuid.UUID | None,
                         field: str = "coordinator_member_id") -> list[tuple[str, str]]:
    """A contract's coordinator is an active member holding the coordinator role
    (otherwise nobody could act as its coordinator)."""
    if member_id is None:
        return []
    member = member_store.get(session, member_id)
    if member is None:
        return [(field, "Membre inconnu.")]
    if not member.active:
        return [(field, "Ce membre est désactivé.")]
    if "coordinator" not in member.roles:
        return [(field, "Ce membre n'a pas le rôle de coordinateur.")]
    return []
