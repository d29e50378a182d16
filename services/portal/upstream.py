"""The three API clients of a request, and the labels the pages show for codes and ids.

Labels (need categories, organisation names) change rarely: they are cached in the
process for a few minutes, so a page does not wait on the registry for each of them,
and a registry outage shows codes instead of stopping the page.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import requests

from services.portal import auth
from services.portal.clients.base import ApiProblem, NotAuthenticated, ServiceUnavailable
from services.portal.clients.notifications import NotificationsClient
from services.portal.clients.referrals import ReferralsClient
from services.portal.clients.registry import RegistryClient
from services.portal.settings import PortalSettings
from shared.communes import ReferentialMissing, referential
from shared.logging import get_logger

log = get_logger(__name__)
LABELS_TTL_SECONDS = 300


class Upstream:
    """Builds clients bound to the signed-in member's token (one HTTP pool per service)."""

    def __init__(self, settings: PortalSettings):
        self.settings = settings
        self._http = {name: requests.Session() for name in ("registry", "referrals",
                                                            "notifications")}
        self._cache: dict[str, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def registry(self) -> RegistryClient:
        return RegistryClient(self.settings.registry_url, timeout=self.settings.upstream_timeout,
                              token=auth.access_token, http=self._http["registry"])

    def referrals(self) -> ReferralsClient:
        return ReferralsClient(self.settings.referrals_url,
                               timeout=self.settings.upstream_timeout,
                               token=auth.access_token, http=self._http["referrals"])

    def notifications(self) -> NotificationsClient:
        # Short timeout: the bell must never slow a page down.
        return NotificationsClient(self.settings.notifications_url,
                                   timeout=min(self.settings.upstream_timeout, 1.5),
                                   token=auth.access_token, http=self._http["notifications"])

    def cached(self, key: str, load: Callable[[], object], default: object) -> object:
        """`load()` at most every few minutes; `default` (uncached) when it fails."""
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
        if hit and now - hit[0] < LABELS_TTL_SECONDS:
            return hit[1]
        try:
            value = load()
        except (ServiceUnavailable, ApiProblem, NotAuthenticated) as exc:
            log.info("labels_unavailable", key=key, reason=type(exc).__name__)
            return hit[1] if hit else default
        with self._lock:
            self._cache[key] = (now, value)
        return value

    def need_categories(self) -> list[dict]:
        return self.cached("need_categories", lambda: self.registry().need_categories(), [])

    def category_labels(self) -> dict[str, str]:
        return {c["code"]: c.get("label") or c["code"] for c in self.need_categories()}

    def organisation_names(self) -> dict[str, str]:
        """From the referrals service's own copy of the directory: works without the registry."""
        return self.cached("organisation_names", lambda: self.referrals().organisations(), {})

    def referral_codes(self) -> dict:
        """Reasons and outcomes with the referrals service's French labels."""
        return self.cached("referral_codes", lambda: self.referrals().codes(), {})


def commune_name(code: str | None) -> str:
    """"La Possession (97408)" from the local referential (no call to the registry)."""
    if not code:
        return ""
    try:
        commune = referential().get(code)
    except ReferentialMissing:
        commune = None
    return f"{commune.name} ({code})" if commune else code


def search_communes(query: str, limit: int = 12) -> list[dict]:
    try:
        found = referential().search(query, limit=limit)
    except ReferentialMissing:
        return []
    return [{"code": c.code, "name": c.name, "postcodes": list(c.postcodes),
             "department": c.department} for c in found]
