"""The referrals application factory: `gunicorn "services.referrals.app:create_app()"`."""

from __future__ import annotations

from datetime import UTC, datetime

import flask

from services.referrals.api import (
    access_requests,
    codes,
    consent,
    context,
    directory,
    export,
    notes,
    pathways,
    queue,
    referrals,
    stats,
    workflow,
)
from services.referrals.settings import ReferralsSettings, load
from services.referrals.store.keys import protection_from
from shared.http.service_app import create_standard_app

# export and queue before referrals: /referrals/export.csv, /referrals/counters are not ids.
BLUEPRINTS = [directory.blp, export.blp, queue.blp, consent.blp, referrals.blp, workflow.blp,
              notes.blp, pathways.blp, stats.blp, access_requests.blp, codes.blp]


def create_app(config: dict | None = None,
               settings: ReferralsSettings | None = None) -> flask.Flask:
    settings = settings or load()
    app = create_standard_app("referrals", settings, BLUEPRINTS, config)
    app.extensions["referrals.protection"] = protection_from(settings)
    # The injection seam for time: tests replace it.
    app.extensions["referrals.clock"] = lambda: datetime.now(UTC)
    app.register_error_handler(context.Denied, context.on_denied)
    return app
