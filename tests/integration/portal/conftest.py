"""The portal against stand-in APIs over real HTTP, with its sessions in the real Redis."""

from __future__ import annotations

import re

import pytest

from services.portal.app import create_app
from services.portal.settings import PortalSettings
from shared.settings import load_settings
from tests.integration.portal.fakes import PASSWORD, FakeApis, ServedApp

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def portal_settings(api_url: str, redis_url: str, prefix: str, **overrides) -> PortalSettings:
    return load_settings(
        PortalSettings, {}, registry_url=api_url, referrals_url=api_url,
        notifications_url=api_url, jwks_url=f"{api_url}/.well-known/jwks.json",
        redis_url=redis_url, session_key_prefix=f"{prefix}session:",
        portal_secret_key="k" * 48, log_json=False, upstream_timeout=3.0, **overrides)


@pytest.fixture
def fake_apis():
    fake = FakeApis()
    with ServedApp(fake.app) as served:
        fake.url = served.url
        yield fake


class PortalClient:
    """Flask's test client with the portal's CSRF token handled like a browser would."""

    def __init__(self, app):
        self.app = app
        self.http = app.test_client()

    def get(self, path, **kwargs):
        return self.http.get(path, **kwargs)

    def csrf_from(self, path: str) -> str:
        page = self.http.get(path)
        match = CSRF.search(page.get_data(as_text=True))
        assert match, f"no CSRF token on {path} ({page.status_code})"
        return match.group(1)

    def post(self, path: str, data: dict | None = None, form_page: str | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_from(form_page or path))
        return self.http.post(path, data=data, **kwargs)

    def sign_in(self, email: str, password: str = PASSWORD):
        return self.post("/connexion", {"email": email, "password": password})


@pytest.fixture
def portal_app(fake_apis, redis_url, broker_prefix):
    return create_app({"TESTING": True},
                      portal_settings(fake_apis.url, redis_url, broker_prefix))


@pytest.fixture
def portal(portal_app):
    return PortalClient(portal_app)


@pytest.fixture
def another_portal(portal_app):
    """A second browser on the same portal (another member)."""
    return PortalClient(portal_app)
