"""Lists of referrals for one organisation: filters and keyset pagination on
(submitted_at, id), so a page costs the same whatever its depth."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from services.referrals.domain.errors import InvalidReferral
from services.referrals.domain.workflow import REQUESTED
from services.referrals.store.referral_tables import referrals


def encode_cursor(submitted_at: datetime, referral_id) -> str:
    raw = f"{submitted_at.isoformat()}|{referral_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, _, ident = raw.partition("|")
        parsed = datetime.fromisoformat(when)
        if parsed.tzinfo is None:
            raise ValueError(when)
        return parsed, uuid.UUID(ident)
    except (ValueError, UnicodeDecodeError):
        raise InvalidReferral("after", "Curseur de pagination invalide.") from None


def page(session: Session, *, side: str, organisation_id, filters: dict, limit: int,
         now: datetime, after: str | None = None) -> tuple[list[dict], str | None]:
    """`side`: "receiving" (handlers) or "referrer". Returns rows and the next cursor."""
    column = referrals.c.receiving_organisation_id if side == "receiving" \
        else referrals.c.referrer_organisation_id
    query = select(referrals).where(column == organisation_id)
    query = query.where(*conditions(filters, now))
    if after:
        when, ident = decode_cursor(after)
        query = query.where(or_(referrals.c.submitted_at > when,
                                and_(referrals.c.submitted_at == when, referrals.c.id > ident)))
    rows = [dict(r._mapping) for r in session.execute(
        query.order_by(referrals.c.submitted_at, referrals.c.id).limit(limit))]
    next_cursor = encode_cursor(rows[-1]["submitted_at"], rows[-1]["id"]) \
        if len(rows) == limit else None
    return rows, next_cursor


def conditions(filters: dict, now: datetime) -> list:
    c = referrals.c
    found = []
    if filters.get("status"):
        found.append(c.status.in_(filters["status"]))
    for name, column in (("need_category", c.need_category), ("commune", c.commune),
                         ("urgency", c.urgency), ("contract_id", c.contract_id)):
        if filters.get(name):
            found.append(column == filters[name])
    if filters.get("unassigned"):
        found.append(c.assignee_member_id.is_(None))
    elif filters.get("assignee"):
        found.append(c.assignee_member_id == filters["assignee"])
    if filters.get("overdue") is True:
        found.append(and_(c.status == REQUESTED, c.remind_at <= now))
    elif filters.get("overdue") is False:
        found.append(or_(c.status != REQUESTED, c.remind_at > now))
    if filters.get("submitted_from"):
        found.append(c.submitted_at >= filters["submitted_from"])
    if filters.get("submitted_to"):
        found.append(c.submitted_at < filters["submitted_to"])
    return found
