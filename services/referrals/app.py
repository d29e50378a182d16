"""The referrals application factory: `gunicorn "services.referrals.app:create_app()"`."""

from __future__ import annotations

import flask

from services.referrals.api import directory
from services.referrals.settings import ReferralsSettings, load
from shared.http.service_app import create_standard_app


def create_app(config: dict | None = None,
               settings: ReferralsSettings | None = None) -> flask.Flask:
    return create_standard_app("referrals", settings or load(), [directory.blp], config)
