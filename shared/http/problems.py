"""Errors as RFC 9457 ``application/problem+json``, each with a stable machine ``code``.

API code raises :class:`ApiError`; werkzeug's HTTP errors (404, 405, 413...), webargs'
validation errors and unhandled exceptions all come out in the same shape.
"""

from __future__ import annotations

import json
import re
from typing import Any

import flask
import flask_smorest
import marshmallow as ma
from werkzeug.exceptions import HTTPException

from shared.context import current_correlation_id
from shared.db import database_unreachable
from shared.logging import get_logger

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://relais.example.org/problems/"

log = get_logger(__name__)

# Stable codes clients may switch on; anything else falls back to the status name.
CODES_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    428: "precondition_required",
    429: "too_many_requests",
    500: "internal_error",
    503: "service_unavailable",
}


class ApiError(Exception):
    """An error a view wants the client to see, rendered as problem+json."""

    def __init__(
        self,
        status: int,
        code: str,
        title: str,
        detail: str | None = None,
        errors: list[dict] | None = None,
        headers: dict | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {title}")
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    errors: list[dict] | None = None,
    headers: dict | None = None,
    extensions: dict[str, Any] | None = None,
) -> flask.Response:
    """Build a problem+json response; ``None`` members are left out.

    ``extensions`` adds extra top-level members (RFC 9457 section 3.2), e.g. ``checks``.
    """
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code if code else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "instance": flask.request.path if flask.has_request_context() else None,
        "request_id": current_correlation_id(),
        "errors": errors,
        **(extensions or {}),
    }
    response = flask.Response(
        json.dumps({k: v for k, v in body.items() if v is not None}),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def flatten_validation_messages(messages: Any) -> list[dict]:
    """Turn webargs/marshmallow messages into ``[{location, field, message}, ...]``.

    ``{"json": {"address": {"postcode": ["Missing..."]}}}`` gives
    ``field="address.postcode"``; list indexes become path segments (``items.0.name``).
    Schema-level messages (``_schema``) belong to their parent; on the whole body they
    carry no ``field``.
    """
    if not isinstance(messages, dict):
        return [{"location": "json", "message": str(m)} for m in _as_list(messages)]
    errors: list[dict] = []
    for location, by_field in messages.items():
        for path, message in _walk(by_field, ()):
            item = {"location": location, "field": ".".join(path), "message": message}
            if not path:
                del item["field"]
            errors.append(item)
    return errors


def _walk(node: Any, path: tuple[str, ...]):
    if isinstance(node, dict):
        for key, child in node.items():
            segment = () if key == "_schema" else (str(key),)
            yield from _walk(child, path + segment)
    else:
        for message in _as_list(node):
            yield path, str(message)


def _as_list(value: Any) -> list:
    return list(value) if isinstance(value, list | tuple) else [value]


def _code_for(status: int, name: str) -> str:
    return CODES_BY_STATUS.get(status) or re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def handle_http_exception(error: HTTPException):
    """Render any werkzeug HTTPException (and webargs' aborts) as problem+json."""
    if error.code is None:  # a bare HTTPException carrying its own response
        return error
    data = getattr(error, "data", None) or {}
    headers = dict(data.get("headers") or {})
    if error.code == 405 and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)

    # Malformed JSON: webargs keeps the decode error in .exc, Flask in __cause__.
    cause = getattr(error, "exc", None) or error.__cause__
    if error.code == 400 and isinstance(cause, json.JSONDecodeError | UnicodeDecodeError):
        return problem_response(
            400, "malformed_json", "Malformed JSON body",
            detail=f"The request body is not valid JSON: {cause}", headers=headers,
        )
    if error.code == 422 and "messages" in data:
        errors = flatten_validation_messages(data["messages"])
        return problem_response(
            422, "validation_failed", "Validation failed",
            detail=f"{len(errors)} invalid field(s).", errors=errors, headers=headers,
        )
    if error.code >= 500:
        # Never echo a server-side description (it may have been built from internals).
        return problem_response(
            error.code, _code_for(error.code, error.name), error.name, headers=headers
        )
    detail = data.get("message") or error.description
    return problem_response(
        error.code, _code_for(error.code, error.name), error.name, detail=detail, headers=headers
    )


def handle_api_error(error: ApiError) -> flask.Response:
    """Render an :class:`ApiError` raised by a view."""
    return problem_response(
        error.status, error.code, error.title, error.detail, error.errors, error.headers
    )


def handle_unexpected_error(error: Exception) -> flask.Response:
    """Log the exception with its traceback and answer a bare 500 (nothing leaked); the
    database being unreachable is no bug but an outage: 503, try again shortly."""
    if database_unreachable(error):
        log.warning("database_unavailable", error_type=type(error.orig).__name__)
        return problem_response(
            503, "service_unavailable", "Service Unavailable",
            detail="La base de données est momentanément indisponible, réessayez.",
            headers={"Retry-After": "2"})
    log.exception("unhandled_exception", error_type=type(error).__name__)
    return problem_response(500, "internal_error", "Internal server error")


class ProblemSchema(ma.Schema):
    """OpenAPI description of the problem+json body (documentation only)."""

    type = ma.fields.String()
    title = ma.fields.String()
    status = ma.fields.Integer()
    detail = ma.fields.String()
    code = ma.fields.String(metadata={"description": "Stable machine-readable error code"})
    instance = ma.fields.String()
    request_id = ma.fields.String()
    errors = ma.fields.List(
        ma.fields.Dict(), metadata={"description": "One item per invalid field"}
    )


class ProblemApi(flask_smorest.Api):
    """flask-smorest's Api whose errors are problem+json, in the handler and in the doc."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error):
        """Replace flask-smorest's ``{code, status, message}`` body with problem+json."""
        return handle_http_exception(error)


def register_error_handlers(app: flask.Flask, api: flask_smorest.Api) -> None:
    """Make every error of ``app`` problem+json, whatever ``api`` registered before.

    Registered after ``Api(app)``, so this HTTPException handler replaces the Api's own
    (Flask keeps one handler per exception class) even if ``api`` is a plain ``Api``.
    """
    del api  # kept in the signature: services pass it, and the Api must exist first
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(Exception, handle_unexpected_error)
