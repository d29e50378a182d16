"""The portal's application factory: `gunicorn "services.portal.app:create_app()"`.

A server-rendered French interface over the registry, referrals and notifications
APIs. It owns no data: the session (and the member's tokens) live in Redis.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import flask
import redis
from flask_wtf.csrf import CSRFProtect

from services.portal import errors, layout
from services.portal.sessions import RedisSessionInterface, require_session_store
from services.portal.settings import PortalSettings, load, secret_key
from services.portal.upstream import Upstream
from services.portal.views import BLUEPRINTS
from shared.auth import TokenVerifier
from shared.http.app import install_request_hooks
from shared.http.health import redis_check
from shared.logging import configure_logging

HERE = Path(__file__).parent

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    "font-src 'self'", "connect-src 'self'", "form-action 'self'", "frame-ancestors 'none'",
    "base-uri 'none'", "object-src 'none'"))


def create_app(config: dict | None = None, settings: PortalSettings | None = None) -> flask.Flask:
    settings = settings or load()
    configure_logging("portal", settings.log_level, settings.log_json)
    app = flask.Flask("relais.portal", template_folder=str(HERE / "templates"),
                      static_folder=str(HERE / "static"), static_url_path="/static")
    app.config.update(
        SERVICE_NAME="portal",
        SECRET_KEY=secret_key(settings),
        SESSION_COOKIE_NAME=settings.cookie_name,
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # The CSRF token lives as long as the session, which has its own expiry.
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=settings.cookie_secure,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        SEND_FILE_MAX_AGE_DEFAULT=86400,
    )
    app.config.update(config or {})
    app.extensions["relais.settings"] = settings
    app.extensions["portal.verifier"] = TokenVerifier(
        settings.jwks_url, settings.jwt_audience, settings.jwt_issuer)
    app.extensions["portal.clients"] = Upstream(settings)
    app.session_interface = RedisSessionInterface(
        redis.Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2),
        prefix=settings.session_key_prefix, idle_seconds=settings.session_idle_minutes * 60,
        max_age_seconds=settings.session_max_hours * 3600)
    CSRFProtect(app)

    # The shared request id, JSON access line (route template only) and metrics; the JSON
    # body check of the APIs does not apply to HTML forms.
    install_request_hooks(app, {"redis": redis_check(settings.redis_url)}, json_bodies=False)
    if settings.trusted_proxies:
        # Behind the TLS proxy: the address forwarded to the registry's sign-in
        # throttle must be the user's, not the proxy's.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies,
                                x_proto=settings.trusted_proxies)
    app.before_request(require_session_store)
    app.after_request(_security_headers)

    app.extensions["portal.asset_versions"] = _asset_versions(HERE / "static")
    layout.init_app(app)
    errors.init_app(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app


def _security_headers(response: flask.Response) -> flask.Response:
    headers = response.headers
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    # Same-origin only: CSRF's strict referrer check over HTTPS needs our own Referer,
    # and no other site ever learns a portal URL.
    headers["Referrer-Policy"] = "same-origin"
    if flask.current_app.config["SESSION_COOKIE_SECURE"]:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    if not flask.request.path.startswith("/static/"):
        # Pages may show a person's identity: never kept by a browser or a proxy.
        headers["Cache-Control"] = "no-store"
    return response


def _asset_versions(folder: Path) -> dict[str, str]:
    """A content hash per static file, appended to its URL so a long cache stays correct."""
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()[:10]
            for path in folder.rglob("*") if path.is_file()}
