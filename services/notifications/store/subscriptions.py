"""Webhook subscriptions of organisations, with their signing secrets."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from services.notifications.domain.ids import new_id
from services.notifications.domain.signing import new_secret
from services.notifications.store.deliveries import aware
from services.notifications.store.tables import webhook_subscriptions as subscriptions


def add(session: Session, *, organisation_id: uuid.UUID, url: str, event_types: list[str],
        now: datetime) -> dict:
    values = {"id": new_id(), "organisation_id": organisation_id, "url": url,
              "event_types": sorted(set(event_types)), "secret": new_secret(),
              "previous_secret": None, "previous_secret_expires_at": None, "active": True,
              "created_at": now, "updated_at": now}
    session.execute(subscriptions.insert().values(**values))
    return values


def get(session: Session, subscription_id: uuid.UUID, *, for_update: bool = False):
    query = select(subscriptions).where(subscriptions.c.id == subscription_id)
    return session.execute(query.with_for_update() if for_update else query).first()


def page(session: Session, *, organisation_id: uuid.UUID | None, after: uuid.UUID | None,
         limit: int) -> list:
    query = select(subscriptions).order_by(subscriptions.c.id).limit(limit)
    if organisation_id is not None:
        query = query.where(subscriptions.c.organisation_id == organisation_id)
    if after is not None:
        query = query.where(subscriptions.c.id > after)
    return session.execute(query).all()


def change(session: Session, subscription_id: uuid.UUID, now: datetime, **values) -> None:
    session.execute(update(subscriptions).where(subscriptions.c.id == subscription_id)
                    .values(updated_at=now, **values))


def rotate_secret(session: Session, subscription_id: uuid.UUID, *, now: datetime,
                  grace: timedelta) -> str:
    """A new secret signs from now on; the current one keeps signing until `now + grace`."""
    current = get(session, subscription_id, for_update=True)
    secret = new_secret()
    change(session, subscription_id, now, secret=secret, previous_secret=current.secret,
           previous_secret_expires_at=now + grace)
    return secret


def remove(session: Session, subscription_id: uuid.UUID) -> None:
    session.execute(delete(subscriptions).where(subscriptions.c.id == subscription_id))


def matching(session: Session, organisation_ids: list[uuid.UUID], event_type: str) -> list:
    """Active subscriptions of these organisations that asked for this event type."""
    if not organisation_ids:
        return []
    rows = session.execute(select(subscriptions).where(
        subscriptions.c.organisation_id.in_(organisation_ids), subscriptions.c.active.is_(True))
        .order_by(subscriptions.c.id))
    return [row for row in rows if event_type in row.event_types]


def signing_secrets(row, now: datetime) -> list[str]:
    """The current secret, and the previous one while its grace period lasts."""
    found = [row.secret]
    expires = aware(row.previous_secret_expires_at)
    if row.previous_secret and expires and expires > now:
        found.append(row.previous_secret)
    return found
