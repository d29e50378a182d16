"""The daily digest's slot: one per member per day, at a fixed hour in Europe/Paris."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def current_slot(now: datetime, hour: int) -> datetime:
    """The latest digest time (`hour` o'clock, Paris) at or before `now` (aware).

    A digest gathers what was deferred up to its slot; what comes later waits for
    the next one. A worker that was down at the hour sends the missed digest when
    it comes back, once: the slot's day is part of the digest's unique key.
    """
    local = now.astimezone(PARIS)
    slot = datetime.combine(local.date(), time(hour), PARIS)
    if slot > local:
        slot = datetime.combine(local.date() - timedelta(days=1), time(hour), PARIS)
    return slot
