"""The notifications application factory: `gunicorn "services.notifications.app:create_app()"`."""

from __future__ import annotations

import flask

from services.notifications import metrics
from services.notifications.api import deliveries, inbox, preferences, webhooks
from services.notifications.settings import NotificationsSettings, load
from shared.http.service_app import create_standard_app


def create_app(config: dict | None = None,
               settings: NotificationsSettings | None = None) -> flask.Flask:
    app = create_standard_app("notifications", settings or load(),
                              [inbox.blp, preferences.blp, webhooks.blp, deliveries.blp], config)
    metrics.delivery_states.watch(app.extensions["relais.sessions"])
    return app
