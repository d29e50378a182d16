"""Time-ordered identifiers (UUIDv7 layout), so keyset pagination by id follows creation order."""

from __future__ import annotations

import os
import time
import uuid


def new_id(now_ms: int | None = None) -> uuid.UUID:
    """A UUIDv7: 48 bits of Unix milliseconds, then random bits (RFC 9562)."""
    millis = int(time.time() * 1000) if now_ms is None else now_ms
    value = (millis & ((1 << 48) - 1)) << 80
    value |= int.from_bytes(os.urandom(10), "big") & ((1 << 80) - 1)
    value &= ~(0xF << 76)
    value |= 0x7 << 76  # version 7
    value &= ~(0x3 << 62)
    value |= 0x2 << 62  # RFC 4122 variant
    return uuid.UUID(int=value)
