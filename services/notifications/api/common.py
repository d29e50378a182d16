"""What every notifications view shares: the session factory, the caller, paging."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import flask
from marshmallow import Schema, fields, validate

from shared.auth import current_principal
from shared.http.problems import ApiError


def sessions():
    return flask.current_app.extensions["relais.sessions"]


def settings():
    return flask.current_app.extensions["relais.settings"]


def now() -> datetime:
    return flask.current_app.extensions.get("relais.clock", lambda: datetime.now(UTC))()


def caller_member_id() -> uuid.UUID:
    """The caller's member id; a token whose subject is not a member has no inbox."""
    try:
        return uuid.UUID(current_principal().member_id)
    except ValueError:
        raise ApiError(403, "forbidden", "Forbidden",
                       detail="This token does not belong to a member.") from None


def may_manage_organisation(organisation_id: uuid.UUID) -> bool:
    """A platform admin manages every organisation; a coordinator, only their own."""
    principal = current_principal()
    if principal.has_any("admin"):
        return True
    return principal.has_any("coordinator") and principal.organisation_id == str(organisation_id)


def require_manager_of(organisation_id: uuid.UUID) -> None:
    if not may_manage_organisation(organisation_id):
        raise ApiError(403, "forbidden", "Forbidden",
                       detail="Only an admin, or this organisation's coordinator, may do this.")


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", "Not found", detail=f"No such {what}.")


def invalid(field: str, message: str, location: str = "json") -> ApiError:
    return ApiError(422, "validation_failed", "Validation failed", detail="1 invalid field(s).",
                    errors=[{"location": location, "field": field, "message": message}])


class PageQuerySchema(Schema):
    after = fields.UUID(metadata={"description": "Cursor: the last id of the previous page."})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))


def page(items: list, limit: int) -> dict:
    return {"items": items, "next": items[-1]["id"] if len(items) == limit else None}
