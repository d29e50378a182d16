"""The Flask application every service builds on: API, errors, request id, probes, metrics.

A service's ``create_app(config=None)`` calls :func:`create_service_app` with its
blueprints and readiness checks, and gets the same behaviour as every other service.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable

import flask
import structlog
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

from shared import context
from shared.http import metrics
from shared.http.problems import ApiError, ProblemApi, problem_response, register_error_handlers
from shared.logging import get_logger

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# Any other method is labelled "OTHER": clients must not create metric series at will.
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Probes are hit every few seconds: their access lines go at debug level.
_QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})

log = get_logger(__name__)


def create_service_app(
    *,
    name: str,
    blueprints: list,
    readiness_checks: dict[str, Callable[[], None]],
    config: dict | None = None,
    max_body_bytes: int = 1_048_576,
) -> flask.Flask:
    """Build the Flask app of service ``name`` with its flask-smorest blueprints.

    ``readiness_checks`` maps a dependency name to a callable that raises when the
    dependency is unreachable (see :mod:`shared.http.health`). ``config`` overrides
    ``app.config`` (tests). The Api is at ``app.extensions["relais.api"]``.
    """
    app = flask.Flask(f"relais.{name}")
    app.config.update(
        API_TITLE=f"Relais {name}",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        MAX_CONTENT_LENGTH=max_body_bytes,
        SERVICE_NAME=name,
    )
    app.config.update(config or {})

    api = ProblemApi(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    register_error_handlers(app, api)
    app.extensions["relais.api"] = api

    install_request_hooks(app, readiness_checks, json_bodies=True)

    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    return app


def install_request_hooks(app: flask.Flask, readiness_checks: dict[str, Callable[[], None]],
                          *, json_bodies: bool) -> None:
    """Request id, access log, metrics, security headers and probes on `app`.

    `json_bodies`: refuse non-JSON request bodies (415); an HTML app (the portal)
    takes form posts and passes False.
    """
    app.before_request(_start_request)
    if json_bodies:
        app.before_request(_check_body)
    app.after_request(_finish_response)
    app.teardown_request(_end_request)
    _add_probes(app, readiness_checks)


def _start_request() -> None:
    headers = flask.request.headers
    incoming = headers.get(REQUEST_ID_HEADER) or headers.get("X-Correlation-ID") or ""
    # An untrusted id is only reused if it cannot inject anything into logs or headers.
    request_id = incoming if _REQUEST_ID_PATTERN.match(incoming) else str(uuid.uuid4())
    flask.g.request_id = request_id
    flask.g.request_started = time.perf_counter()
    flask.g.correlation_token = context.correlation_id.set(request_id)
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id)


def _check_body() -> None:
    request = flask.request
    limit = flask.current_app.config.get("MAX_CONTENT_LENGTH")
    # Refuse on the announced size before anything reads the body.
    if limit is not None and (request.content_length or 0) > limit:
        raise RequestEntityTooLarge()
    has_body = bool(request.content_length) or "chunked" in request.headers.get(
        "Transfer-Encoding", ""
    ).lower()
    # request.is_json: application/json or application/*+json.
    if request.method in _BODY_METHODS and has_body and not request.is_json:
        raise UnsupportedMediaType("Send the body as application/json.")
    _refuse_nul_characters(request, has_body)


def _refuse_nul_characters(request: flask.Request, has_body: bool) -> None:
    """A NUL character has no place in any text we store (PostgreSQL refuses it):
    a 422 naming the field, before a view could turn it into a 500."""
    fields = [{"location": "query", "field": name, "message": "NUL characters are not allowed."}
              for name, value in request.args.items(multi=True) if "\x00" in value]
    if has_body and request.is_json:
        body = request.get_json(silent=True)
        fields += [{"location": "json", "field": path,
                    "message": "NUL characters are not allowed."} for path in _nul_paths(body)]
    if fields:
        raise ApiError(422, "validation_failed", "Validation failed",
                       detail=f"{len(fields)} invalid field(s).", errors=fields)


def _nul_paths(value, path: str = ""):
    if isinstance(value, str):
        if "\x00" in value:
            yield path or "_body"
    elif isinstance(value, dict):
        for key, item in value.items():
            key_path = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                yield key_path
            yield from _nul_paths(item, key_path)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_paths(item, f"{path}.{index}" if path else str(index))


def _finish_response(response: flask.Response) -> flask.Response:
    request = flask.request
    request_id = flask.g.get("request_id")
    if request_id:
        response.headers[REQUEST_ID_HEADER] = request_id
    # Defaults: an app's own choice (the portal's Referrer-Policy) wins.
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if request.path.startswith("/api/"):
        response.headers["Cache-Control"] = "no-store"
    if response.is_json:
        response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"

    # The url rule, never the path or query string: those may carry personal data.
    route = request.url_rule.rule if request.url_rule else metrics.UNMATCHED_ROUTE
    seconds = time.perf_counter() - flask.g.get("request_started", time.perf_counter())
    service = flask.current_app.config["SERVICE_NAME"]
    method = request.method if request.method in _KNOWN_METHODS else "OTHER"
    metrics.observe_request(service, method, route, response.status_code, seconds)
    emit = log.debug if route in _QUIET_ROUTES else log.info
    emit(
        "http_request",
        method=method,
        route=route,
        status=response.status_code,
        duration_ms=round(seconds * 1000, 2),
    )
    return response


def _end_request(_error: BaseException | None) -> None:
    token = flask.g.pop("correlation_token", None)
    if token is not None:
        context.correlation_id.reset(token)
    structlog.contextvars.clear_contextvars()


def _add_probes(app: flask.Flask, readiness_checks: dict[str, Callable[[], None]]) -> None:
    # Plain app routes, not blueprints of the Api: no auth and absent from the OpenAPI doc.

    def healthz():
        return {"status": "ok"}

    def readyz():
        checks = {}
        for check_name, check in readiness_checks.items():
            try:
                check()
                checks[check_name] = "ok"
            except Exception as exc:
                # Class name only: messages can hold hosts, DSNs or other internals.
                log.warning("readiness_check_failed", check=check_name, error=type(exc).__name__)
                checks[check_name] = "down"
        if all(state == "ok" for state in checks.values()):
            return {"status": "ready", "checks": checks}
        return problem_response(
            503, "not_ready", "Service not ready",
            detail="A dependency is unreachable.", extensions={"checks": checks},
        )

    app.add_url_rule("/healthz", "healthz", healthz, methods=["GET"])
    app.add_url_rule("/readyz", "readyz", readyz, methods=["GET"])
    app.add_url_rule("/metrics", "metrics", metrics.metrics_response, methods=["GET"])
