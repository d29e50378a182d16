"""When a failed delivery is tried again: exponential backoff with equal jitter, bounded."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class DeliveryRetryPolicy:
    max_attempts: int = 8
    base_delay: float = 30.0
    max_delay: float = 3600.0

    def delay(self, attempts: int) -> float:
        """Seconds to wait after `attempts` failed attempts (jitter spreads a burst of failures)."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (max(attempts, 1) - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def gives_up(self, attempts: int) -> bool:
        return attempts >= self.max_attempts
