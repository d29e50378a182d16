"""Webhook signatures: HMAC-SHA256 of "<timestamp>.<body>", with secret rotation.

Headers sent with every webhook:

    X-Relais-Timestamp: 1767225600
    X-Relais-Signature: sha256=<hex>[,sha256=<hex>]

During a rotation (until the previous secret's grace period ends) the body is
signed with both secrets, the current one first, as Stripe does: a receiver
accepts the request if any listed signature matches a secret it knows, so it
can switch secrets at its own pace. Receivers should also reject timestamps
more than a few minutes old (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secrets_in_use: list[str], timestamp: int, body: bytes) -> str:
    return ",".join(f"sha256={signature(s, timestamp, body)}" for s in secrets_in_use)


def verify(header: str, secret: str, timestamp: int, body: bytes) -> bool:
    """What a receiver does (used by the tests): any listed signature made with `secret`."""
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(part.strip().removeprefix("sha256="), expected)
               for part in header.split(",") if part.strip().startswith("sha256="))
