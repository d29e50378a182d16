"""The portal as a real process (gunicorn) in front of the real services of
tests/e2e/stack.py, composed rather than edited; demo data loaded from the seeds."""

from __future__ import annotations

import sys

import requests

from shared.testing.processes import ManagedProcess
from shared.testing.servers import free_port, wait_until
from tests.e2e.stack import LocalStack

# The demo accounts the registry's `load-demo` creates (services/registry/demo/directory.py).
DEMO = {
    "referrer": ("medecin.cpts@example.org", "demo-medecin-relais"),
    "handler": ("agent.ccas@example.org", "demo-ccas-relais"),
    "coordinator": ("coordination.cls@example.org", "demo-coordination-relais"),
    "admin": ("admin@example.org", "demo-admin-relais"),
}


class PortalStack:
    """Registry, referrals, notifications (APIs and workers) and the portal."""

    def __init__(self, *, database_urls: dict[str, str], redis_url: str, prefix: str, tmp_path):
        self.services = LocalStack(database_urls=database_urls, redis_url=redis_url,
                                   prefix=prefix, tmp_path=tmp_path)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        urls = self.services.urls
        self.env = {
            "RELAIS_REGISTRY_URL": urls["registry"], "RELAIS_REFERRALS_URL": urls["referrals"],
            "RELAIS_NOTIFICATIONS_URL": urls["notifications"],
            "RELAIS_JWKS_URL": f"{urls['registry']}/.well-known/jwks.json",
            "RELAIS_REDIS_URL": redis_url, "RELAIS_SESSION_KEY_PREFIX": f"{prefix}portal:",
            "RELAIS_PORTAL_SECRET_KEY": "e2e-" + "x" * 40, "RELAIS_BIND": f"127.0.0.1:{self.port}",
            "RELAIS_WEB_WORKERS": "2", "RELAIS_LOG_JSON": "true",
        }
        self.portal: ManagedProcess | None = None

    @property
    def urls(self) -> dict[str, str]:
        return self.services.urls

    def start(self) -> PortalStack:
        self.services.start()
        self.services.cli("registry", "load-demo")
        # Routing needs the registry's demo organisations in the referrals read model.
        wait_until(self._referrals_know_the_demo, timeout=60, interval=0.3,
                   message="the demo organisations in the referrals read model")
        self.portal = ManagedProcess(
            [sys.executable, "-m", "gunicorn", "-c", "services/portal/gunicorn.conf.py",
             "services.portal.app:create_app()"], env=self.env, name="portal").start()
        wait_until(self._portal_ready, timeout=60, message="the portal ready")
        return self

    def _referrals_know_the_demo(self) -> bool:
        page = requests.get(f"{self.urls['referrals']}/api/v1/directory/organisations",
                            params={"limit": 200}, headers=self.services.token("handler"),
                            timeout=5).json()
        return any(o["name"] == "CCAS de La Possession" for o in page.get("items", []))

    def _portal_ready(self) -> bool:
        try:
            return requests.get(f"{self.url}/readyz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def logs(self) -> str:
        parts = [f"--- {p.name} ---\n{p.output()[-4000:]}" for p in self.services.processes]
        if self.portal:
            parts.append(f"--- portal ---\n{self.portal.output()[-4000:]}")
        return "\n".join(parts)

    def stop(self) -> None:
        if self.portal:
            self.portal.terminate()
            self.portal.cleanup()
        self.services.stop()
