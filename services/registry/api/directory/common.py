"""What the directory's resources share: sessions, problems, settings, the caller."""

from __future__ import annotations

import flask

from services.registry.settings import RegistrySettings
from shared.http.problems import ApiError


def sessions():
    return flask.current_app.extensions["relais.sessions"]


def settings() -> RegistrySettings:
    return flask.current_app.extensions["relais.settings"]


def invalid(*errors: tuple[str, str]) -> ApiError:
    """A 422 naming each (field, message)."""
    return ApiError(422, "validation_failed", "Validation failed",
                    detail=f"{len(errors)} invalid field(s).",
                    errors=[{"location": "json", "field": name, "message": message}
                            for name, message in errors])


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", "Not found", detail=what)


def forbidden(detail: str) -> ApiError:
    return ApiError(403, "forbidden", "Forbidden", detail=detail)
