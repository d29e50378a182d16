"""What every plan endpoint shares: sessions, who may write a contract's plan, errors,
keyset cursors."""

from __future__ import annotations

import base64
import binascii
import json
import uuid

import flask
from marshmallow import Schema, ValidationError, fields, validate

from services.registry.store.contract_refs import ContractRef, get_contract
from shared.auth import current_principal
from shared.http.problems import ApiError

MAX_PAGE = 200


def sessions():
    return flask.current_app.extensions["relais.sessions"]


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", "Not found", detail=f"{what} introuvable.")


def invalid(field: str, message: str, location: str = "json") -> ApiError:
    return ApiError(422, "validation_failed", "Validation failed", detail=message,
                    errors=[{"location": location, "field": field, "message": message}])


def conflict(message: str) -> ApiError:
    return ApiError(409, "conflict", "Conflict", detail=message)


def contract_or_404(session, contract_id: uuid.UUID) -> ContractRef:
    contract = get_contract(session, contract_id)
    if contract is None:
        raise not_found("Contrat")
    return contract


def may_write(contract: ContractRef) -> bool:
    """An admin writes every plan; a coordinator only the plan of the contract she
    coordinates (the contract's `coordinator_member_id`)."""
    principal = current_principal()
    if principal.has_any("admin"):
        return True
    return (principal.has_any("coordinator") and contract.coordinator_member_id is not None
            and str(contract.coordinator_member_id) == principal.member_id)


def authorise_write(session, contract_id: uuid.UUID) -> ContractRef:
    """The contract, if the caller may change its plan or governance (404, 403 otherwise)."""
    contract = contract_or_404(session, contract_id)
    if not may_write(contract):
        raise ApiError(403, "forbidden", "Forbidden",
                       detail="Seul le coordinateur de ce contrat ou un administrateur peut "
                              "modifier son plan d'actions et sa gouvernance.")
    return contract


def encode_cursor(*values) -> str:
    raw = json.dumps([str(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, count: int) -> list[str]:
    """The values of an opaque cursor (422 naming `after` if it was not ours)."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):
        values = None
    if not isinstance(values, list) or len(values) != count:
        raise invalid("after", "Curseur de pagination invalide.", location="query")
    return values


class PageQuerySchema(Schema):
    after = fields.String(validate=validate.Length(1, 400),
                          metadata={"description": "Cursor: `next` of the previous page."})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, MAX_PAGE))


def next_cursor(items: list, limit: int, key) -> str | None:
    return encode_cursor(*key(items[-1])) if len(items) == limit else None


def parse_uuid(value: str, field: str = "after") -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise invalid(field, "Identifiant invalide.", location="query") from None


def check_uuid_list(value):
    if len(value) != len(set(value)):
        raise ValidationError("Doublon dans la liste.")
