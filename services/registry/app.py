"""The registry's application factory: `gunicorn "services.registry.app:create_app()"`."""

from __future__ import annotations

import flask

from services.registry.api import contracts, directory, keys, plan
from services.registry.settings import RegistrySettings, load
from services.registry.store.keys import KeyStore
from shared.http.service_app import create_standard_app


def create_app(config: dict | None = None, settings: RegistrySettings | None = None) -> flask.Flask:
    settings = settings or load()
    blueprints = [keys.blp, *directory.BLUEPRINTS, *contracts.BLUEPRINTS, *plan.BLUEPRINTS]
    app = create_standard_app("registry", settings, blueprints, config)
    app.extensions["relais.keys"] = KeyStore(settings.signing_key_dir)
    return app
