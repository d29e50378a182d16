"""What every contracts endpoint shares: sessions, the contract a URL names, who may
change it, and how domain refusals become problem+json."""

from __future__ import annotations

import uuid

import flask
from sqlalchemy.orm import Session

from services.registry.domain.contracts import Contract
from services.registry.store import contracts as contract_store
from shared.auth import current_principal
from shared.communes import referential
from shared.http.problems import ApiError

WRITERS = ("admin", "coordinator")


def sessions():
    return flask.current_app.extensions["relais.sessions"]


def communes():
    """The communes referential (loaded once per process)."""
    return referential()


def epci_members(code: str):
    epci = communes().epcis.get(code)
    return epci.members if epci else None


def invalid(errors: list[tuple[str, str]], location: str = "json") -> ApiError:
    return ApiError(422, "validation_failed", "Validation failed",
                    detail=f"{len(errors)} champ(s) invalide(s).",
                    errors=[{"location": location, "field": name, "message": message}
                            for name, message in errors])


def not_found(detail: str) -> ApiError:
    return ApiError(404, "not_found", "Not found", detail=detail)


def contract_or_404(session: Session, contract_id: uuid.UUID, *, for_update=False) -> Contract:
    contract = contract_store.get(session, contract_id, for_update=for_update)
    if contract is None:
        raise not_found("Contrat inconnu.")
    return contract


def is_admin() -> bool:
    return current_principal().has_any("admin")


def require_writer(contract: Contract) -> None:
    """Admins change any contract; a coordinator only the contract they coordinate."""
    principal = current_principal()
    if principal.has_any("admin"):
        return
    if (principal.has_any("coordinator") and contract.coordinator_member_id is not None
            and principal.member_id == str(contract.coordinator_member_id)):
        return
    raise ApiError(403, "forbidden", "Forbidden",
                   detail="Seul le coordinateur de ce contrat ou un administrateur peut le "
                          "modifier.")
