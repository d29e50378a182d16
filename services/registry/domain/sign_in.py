"""Throttling of failed sign-ins: how long a caller must wait, if at all."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta


def retry_after(failures: Sequence[datetime], *, now: datetime, limit: int,
                window: timedelta) -> int | None:
    """Seconds to wait when `limit` failures or more fall in the window, else None.

    The wait lasts until enough of the failures leave the window to bring the count
    back under the limit, so the answer is exact rather than a fixed penalty.
    """
    recent = sorted(t for t in failures if t > now - window)
    if len(recent) < limit:
        return None
    # The failure whose expiry brings the count down to limit - 1.
    freeing = recent[len(recent) - limit]
    return max(1, math.ceil((freeing + window - now).total_seconds()))
