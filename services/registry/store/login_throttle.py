"""Failed sign-ins, per account and per client address, in the database.

In the database rather than in process memory: every gunicorn worker and every
instance sees the same counts. Rows older than the window are pruned as new
failures are recorded.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from services.registry.domain.sign_in import retry_after
from services.registry.store.tables import login_failures


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite drops the zone


def wait_seconds(session: Session, *, account: str, address: str, window: int,
                 account_limit: int, address_limit: int) -> int | None:
    """Seconds the caller must wait before trying again, or None."""
    now = datetime.now(UTC)
    span = timedelta(seconds=window)
    waits = []
    for column, value, limit in ((login_failures.c.account, account, account_limit),
                                 (login_failures.c.address, address, address_limit)):
        times = [_aware(t) for t in session.execute(select(login_failures.c.failed_at).where(
            column == value, login_failures.c.failed_at > now - span)).scalars()]
        waits.append(retry_after(times, now=now, limit=limit, window=span))
    waits = [w for w in waits if w is not None]
    return max(waits) if waits else None


def record_failure(session: Session, *, account: str, address: str, window: int) -> None:
    now = datetime.now(UTC)
    session.execute(delete(login_failures).where(
        login_failures.c.failed_at < now - timedelta(seconds=window)))
    session.execute(insert(login_failures).values(account=account[:254], address=address[:64],
                                                  failed_at=now))


def clear_account(session: Session, account: str) -> None:
    """A successful sign-in forgives the account's failures (not the address's)."""
    session.execute(delete(login_failures).where(login_failures.c.account == account))
