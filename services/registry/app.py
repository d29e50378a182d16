"""The registry's application factory: `gunicorn "services.registry.app:create_app()"`."""

from __future__ import annotations

import flask

from services.registry.api import keys, organisations
from services.registry.settings import RegistrySettings, load
from services.registry.store.keys import KeyStore
from shared.http.service_app import create_standard_app


def create_app(config: dict | None = None, settings: RegistrySettings | None = None) -> flask.Flask:
    settings = settings or load()
    app = create_standard_app("registry", settings, [organisations.blp, keys.blp], config)
    app.extensions["relais.keys"] = KeyStore(settings.signing_key_dir)
    return app
