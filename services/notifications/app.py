"""The notifications application factory: `gunicorn "services.notifications.app:create_app()"`."""

from __future__ import annotations

import flask

from services.notifications.settings import NotificationsSettings, load
from shared.http.service_app import create_standard_app


def create_app(config: dict | None = None,
               settings: NotificationsSettings | None = None) -> flask.Flask:
    return create_standard_app("notifications", settings or load(), [], config)
