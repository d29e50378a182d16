"""What every referral view needs: sessions, keys, clock, the acting member, the audit,
object-level access checks and optimistic concurrency (ETag / If-Match)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import flask

from services.referrals.domain.actors import Actor, capacity
from services.referrals.domain.errors import InvalidReferral, StateConflict
from services.referrals.domain.workflow import TransitionRefused
from services.referrals.store import audit
from services.referrals.store import referrals as store
from services.referrals.store.cipher import Protection
from shared.auth import current_principal
from shared.http.problems import ApiError, handle_api_error

_IF_MATCH = re.compile(r'^\s*(?:W/)?"(\d+)"\s*$')


def sessions():
    return flask.current_app.extensions["relais.sessions"]


def protection() -> Protection:
    return flask.current_app.extensions["referrals.protection"]


def now() -> datetime:
    return flask.current_app.extensions["referrals.clock"]()


def actor() -> Actor:
    """The principal as a member of an organisation (ids are UUIDs in Relais tokens)."""
    principal = current_principal()
    try:
        return Actor(uuid.UUID(principal.member_id), uuid.UUID(principal.organisation_id),
                     principal.roles)
    except (TypeError, ValueError):
        raise ApiError(403, "forbidden", "Forbidden",
                       detail="Cette action demande un membre d'une structure.") from None


def record(session, action: str, purpose: str, referral_ids=(None,)) -> None:
    principal = current_principal()
    audit.record(session, action=action, purpose=purpose, member_id=principal.member_id,
                 roles=principal.roles, organisation_id=principal.organisation_id,
                 referral_ids=referral_ids, request_id=flask.g.get("request_id"),
                 occurred_at=datetime.now(UTC))


def not_found() -> ApiError:
    return ApiError(404, "not_found", "Not found", detail="Orientation introuvable.")


def load(session, referral_id, purpose: str, *, for_update=False) -> tuple[dict, str]:
    """The referral and the caller's capacity; 404 (audited as denied) when the caller
    must not know it exists."""
    who = actor()
    referral = store.get(session, referral_id, for_update=for_update)
    if referral is None:
        raise not_found()
    role = capacity(who, referral["receiving_organisation_id"],
                    referral["referrer_organisation_id"])
    if role is None:
        raise Denied(referral["id"], purpose)
    return referral, role


class Denied(ApiError):
    """A 404 for a referral the caller must not know exists; audited by `on_denied`
    once the caller's transaction has been rolled back (SQLite has one writer)."""

    def __init__(self, referral_id, purpose: str):
        super().__init__(404, "not_found", "Not found", detail="Orientation introuvable.")
        self.referral_id = referral_id
        self.purpose = purpose


def on_denied(error: Denied) -> flask.Response:
    with sessions().begin() as session:
        record(session, "denied", error.purpose, [error.referral_id])
    return handle_api_error(error)


def expected_version() -> int:
    header = flask.request.headers.get("If-Match")
    if not header:
        raise ApiError(428, "precondition_required", "Precondition required",
                       detail="Envoyez l'en-tête If-Match avec l'ETag de l'orientation.")
    match = _IF_MATCH.match(header)
    if not match:
        raise ApiError(412, "precondition_failed", "Precondition failed",
                       detail="If-Match doit être un ETag de la forme W/\"<version>\".")
    return int(match.group(1))


def check_version(referral: dict, expected: int) -> None:
    if referral["version"] != expected:
        raise stale()


def stale() -> ApiError:
    return ApiError(412, "precondition_failed", "Precondition failed",
                    detail="L'orientation a changé depuis votre lecture : rechargez-la.")


def etag(version: int) -> dict:
    return {"ETag": f'W/"{version}"'}


def invalid(field: str, message: str, location: str = "json") -> ApiError:
    return ApiError(422, "validation_failed", "Validation failed", detail=message,
                    errors=[{"location": location, "field": field, "message": message}])


def refusal(exc: Exception) -> ApiError:
    """Domain refusals as problems: role 403, state 409, field 422."""
    if isinstance(exc, InvalidReferral):
        return invalid(exc.field, str(exc))
    if isinstance(exc, StateConflict):
        return ApiError(409, "invalid_transition", "Conflict", detail=str(exc))
    if isinstance(exc, TransitionRefused):
        if exc.kind == "role":
            return ApiError(403, "forbidden", "Forbidden", detail=str(exc))
        if exc.kind == "state":
            return ApiError(409, "invalid_transition", "Conflict", detail=str(exc))
        return invalid(exc.field, str(exc))
    raise exc
