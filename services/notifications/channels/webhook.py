"""Signed webhook POSTs (urllib: no extra dependency), see domain.signing for the headers."""

from __future__ import annotations

import urllib.error
import urllib.request

from services.notifications.channels import DeliveryError
from services.notifications.domain.signing import signature_header


def post(url: str, body: bytes, *, secrets: list[str], timestamp: int, delivery_id: str,
         timeout: float) -> None:
    """POST `body`; any 2xx is success, anything else a DeliveryError (retried)."""
    # http(s) only: the scheme is checked when the subscription is made.
    request = urllib.request.Request(url, data=body, method="POST", headers={  # noqa: S310
        "Content-Type": "application/json",
        "User-Agent": "Relais-Webhooks/1",
        "X-Relais-Delivery": delivery_id,
        "X-Relais-Timestamp": str(timestamp),
        "X-Relais-Signature": signature_header(secrets, timestamp, body),
    })
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            response.read(1024)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"webhook answered {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"webhook unreachable: {type(reason).__name__}") from None
