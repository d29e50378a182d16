"""Checks shared by the notifications tests: what may appear in what leaves the service."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import func, select

from services.notifications.channels.rendering import MONTHS
from services.notifications.domain.messages import STATUS_LABELS, TITLES
from services.notifications.store.tables import deliveries, inbox_items
from shared.messaging.schema import outbox

TEMPLATES = Path("services/notifications/templates/email")
_WORD = re.compile(r"[\wÀ-ÿ']+")


def template_words() -> set[str]:
    """Every word a template or a title can write on its own."""
    text = " ".join(p.read_text() for p in TEMPLATES.iterdir())
    text += " ".join(TITLES.values()) + " ".join(STATUS_LABELS.values()) + " ".join(MONTHS)
    return {w.lower() for w in _WORD.findall(text)}


def leftover_words(text: str, derived: list[str]) -> set[str]:
    """Words of `text` that neither the templates nor the event's derived facts explain."""
    for value in sorted((str(v) for v in derived if v), key=len, reverse=True):
        text = text.replace(value, " ")
    allowed = template_words()
    return {w for w in _WORD.findall(text) if w.lower() not in allowed and not w.isdigit()}


def count(rig, table, *where) -> int:
    with rig.sessions() as session:
        return session.execute(select(func.count()).select_from(table).where(*where)).scalar()


def rows(rig, table, *where, order=None):
    with rig.sessions() as session:
        query = select(table).where(*where)
        if order is not None:
            query = query.order_by(order)
        return session.execute(query).all()


def emitted(rig) -> list[str]:
    with rig.sessions() as session:
        return [r.routing_key for r in session.execute(select(outbox).order_by(outbox.c.seq))
                if r.routing_key.startswith("notifications.")]


def inbox_of(rig, member_id) -> list:
    return rows(rig, inbox_items, inbox_items.c.member_id == member_id, order=inbox_items.c.id)


def deliveries_of(rig, **where) -> list:
    return rows(rig, deliveries, *[deliveries.c[k] == v for k, v in where.items()],
                order=deliveries.c.id)
