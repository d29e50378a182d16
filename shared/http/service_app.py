"""The wiring every service's create_app shares: database, readiness, auth."""

from __future__ import annotations

import flask

from shared.auth import TokenVerifier, init_auth
from shared.db import make_engine, make_session_factory
from shared.http.app import create_service_app
from shared.http.health import database_check, redis_check
from shared.logging import configure_logging
from shared.settings import ServiceSettings


def create_standard_app(name: str, settings: ServiceSettings, blueprints: list,
                        config: dict | None = None) -> flask.Flask:
    """A service app with its database session factory at
    `app.extensions["relais.sessions"]` and token verification set up."""
    configure_logging(name, settings.log_level, settings.log_json)
    engine = make_engine(settings.database_url)
    app = create_service_app(
        name=name,
        blueprints=blueprints,
        readiness_checks={"database": database_check(engine),
                          "redis": redis_check(settings.redis_url)},
        config=config,
        max_body_bytes=settings.max_body_bytes,
    )
    if settings.trusted_proxies:
        # Behind nginx, the per-address login throttle needs the real client address.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies,
                                x_proto=settings.trusted_proxies)
    app.extensions["relais.settings"] = settings
    app.extensions["relais.engine"] = engine
    app.extensions["relais.sessions"] = make_session_factory(engine)
    init_auth(app, TokenVerifier(settings.jwks_url, settings.jwt_audience, settings.jwt_issuer))
    return app
