"""Need categories in the registry database; every change goes out through the outbox."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from services.registry.domain.need_categories import NeedCategory, seeded
from services.registry.store.tables import need_categories
from shared.events import Event, new_event
from shared.messaging.outbox import publish


def _event(category: NeedCategory, verb: str) -> Event:
    return new_event(
        f"registry.need_category.{verb}",
        {"id": category.id, "code": category.code, "label": category.label,
         "active": category.active, "version": category.version},
        subject=str(category.id))


def add(session: Session, category: NeedCategory) -> None:
    now = datetime.now(UTC)
    session.execute(insert(need_categories).values(
        code=category.code, label=category.label, active=category.active, id=category.id,
        version=category.version, created_at=now, updated_at=now))
    publish(session, _event(category, "created"))


def save(session: Session, category: NeedCategory) -> None:
    session.execute(update(need_categories).where(need_categories.c.code == category.code)
                    .values(label=category.label, active=category.active,
                            version=category.version, updated_at=datetime.now(UTC)))
    publish(session, _event(category, "updated"))


def ensure_seeded(session: Session) -> list[str]:
    """Insert the seeded categories that are missing (idempotent); their codes.

    Called by migration 0004_directory, so every deployment has them, demo or not;
    a category an admin renamed or deactivated is left as it is.
    """
    present = set(session.execute(select(need_categories.c.code)).scalars())
    added = [category for category in seeded() if category.code not in present]
    for category in added:
        add(session, category)
    return [category.code for category in added]


def get(session: Session, code: str, *, for_update=False) -> NeedCategory | None:
    query = select(need_categories).where(need_categories.c.code == code)
    if for_update:
        query = query.with_for_update()
    row = session.execute(query).first()
    return _from_row(row) if row else None


def need_category_exists(session: Session, code: str) -> bool:
    """True if the category exists (active or not): other parts check references with it."""
    return session.execute(
        select(need_categories.c.code).where(need_categories.c.code == code)).first() is not None


def existing_codes(session: Session, codes: Iterable[str]) -> set[str]:
    codes = set(codes)
    if not codes:
        return set()
    return set(session.execute(select(need_categories.c.code)
                               .where(need_categories.c.code.in_(codes))).scalars())


def all_categories(session: Session, *, active: bool | None = None) -> list[NeedCategory]:
    """Every category, by code: a short list (tens), no pagination needed."""
    query = select(need_categories).order_by(need_categories.c.code)
    if active is not None:
        query = query.where(need_categories.c.active == active)
    return [_from_row(row) for row in session.execute(query)]


def snapshot_events(session: Session) -> Iterator[Event]:
    """An `updated` event per category at its current version (read-model rebuilds)."""
    for category in all_categories(session):
        yield _event(category, "updated")


def _from_row(row) -> NeedCategory:
    return NeedCategory(code=row.code, label=row.label, active=row.active,
                        version=row.version, id=row.id)
