"""The append-only audit of access to personal data: who, which referral, what, when,
why, under which request. Ids and codes only: the row itself holds no personal data."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from services.referrals.store.referral_tables import audit_log

ACTIONS = ("read", "list", "update", "export", "denied", "access_request", "anonymise")


def record(session: Session, *, action: str, purpose: str, member_id=None, roles=(),
           organisation_id=None, referral_ids=(None,), request_id=None,
           occurred_at: datetime | None = None) -> None:
    if action not in ACTIONS:
        raise ValueError(action)
    when = occurred_at or datetime.now(UTC)
    rows = [{"id": uuid.uuid4(), "occurred_at": when,
             "member_id": str(member_id) if member_id else None,
             "roles": ",".join(sorted(roles)) or None,
             "organisation_id": str(organisation_id) if organisation_id else None,
             "referral_id": referral_id, "action": action, "purpose": purpose,
             "request_id": request_id} for referral_id in referral_ids]
    if rows:
        session.execute(insert(audit_log), rows)
