"""Contracts (CLS): territory, period, generation, status, partners, coordinator.

Creation and deletion are for admins; a change for admins or the contract's own
coordinator (who may not appoint another coordinator); every signed-in member reads.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.registry.api.contracts.access import (
    WRITERS,
    communes,
    contract_or_404,
    epci_members,
    invalid,
    is_admin,
    require_writer,
    sessions,
)
from services.registry.api.contracts.schemas import (
    ContractCreateSchema,
    ContractPageSchema,
    ContractPatchSchema,
    ContractQuerySchema,
    ContractSchema,
)
from services.registry.domain.contracts import (
    Amendment,
    Contract,
    Invalid,
    Partner,
    expand_territory,
    successor_problems,
)
from services.registry.store import contracts as store
from services.registry.store import pathways as pathway_store
from services.registry.store import routing as routing_store
from services.registry.store.references import coordinator_problems, reference_problems
from shared.auth import authenticated, require_roles
from shared.http.problems import ApiError

blp = Blueprint("contracts", __name__, url_prefix="/api/v1/contracts",
                description="Contrats Locaux de Santé: territory, period, partners, status.")

_MAX_LINEAGE = 50  # generations: far more than any real chain of contracts


def _territory(body: dict, errors: list) -> tuple[str, ...] | None:
    try:
        return expand_territory(body.get("communes", []), body.get("epcis", []),
                                commune_exists=communes().exists, epci_members=epci_members)
    except Invalid as exc:
        errors += exc.errors
        return None


def _as_domain(changes: dict) -> dict:
    """Body fields as the domain's values (nested bodies as value objects)."""
    changes = dict(changes)
    if "amendments" in changes:
        changes["amendments"] = tuple(Amendment(**a) for a in changes["amendments"])
    if "partners" in changes:
        changes["partners"] = tuple(Partner(**p) for p in changes["partners"])
    return changes


def _reference_problems(session: Session, contract: Contract, body: dict) -> list:
    """Organisations, coordinator, predecessor: only what the body sent is checked."""
    errors = coordinator_problems(session, body.get("coordinator_member_id"))
    if body.get("fallback_organisation_id") or (body.get("status") == "active"
                                                and contract.fallback_organisation_id):
        # Checked again when put in force: it may have been deactivated since.
        errors += reference_problems(session, organisations_by_field={
            "fallback_organisation_id": contract.fallback_organisation_id})
    errors += reference_problems(session, receiving=False, organisations_by_field={
        f"partners.{i}.organisation_id": p["organisation_id"]
        for i, p in enumerate(body.get("partners", []))})
    if body.get("predecessor_id") or "generation" in body:
        predecessor = (store.get(session, contract.predecessor_id)
                       if contract.predecessor_id else None)
        errors += successor_problems(contract, predecessor)
        if predecessor and _lineage_loops(session, contract):
            errors.append(("predecessor_id", "Cette succession formerait une boucle."))
    return errors


def _lineage_loops(session: Session, contract: Contract) -> bool:
    seen, current = {contract.id}, contract.predecessor_id
    for _ in range(_MAX_LINEAGE):
        if current is None:
            return False
        if current in seen:
            return True
        seen.add(current)
        ancestor = store.get(session, current)
        current = ancestor.predecessor_id if ancestor else None
    return True


@blp.route("")
class Contracts(MethodView):
    @authenticated
    @blp.arguments(ContractQuerySchema, location="query")
    @blp.response(200, ContractPageSchema)
    def get(self, query):
        """List contracts (keyset pagination), by status or by a commune they cover."""
        with sessions()() as session:
            items = store.page(session, after=query.get("after"), limit=query["limit"],
                               status=query.get("status"), commune=query.get("commune"))
        return {"items": items,
                "next": items[-1].id if len(items) == query["limit"] else None}

    @require_roles("admin")
    @blp.arguments(ContractCreateSchema)
    @blp.response(201, ContractSchema)
    def post(self, body):
        """Register a contract (admin). A territory given as EPCIs is stored as their communes."""
        errors: list = []
        territory = _territory(body, errors)
        values = _as_domain(body)
        values["communes"] = territory or ("00000",)  # placeholder: its errors are known
        try:
            contract = Contract(**values)
        except Invalid as exc:
            errors += exc.errors
            contract = None
        with sessions().begin() as session:
            if contract is not None:
                errors += _reference_problems(session, contract, body)
            if errors:
                raise invalid(errors)
            store.add(session, contract)
        return contract


@blp.route("/<uuid:contract_id>")
class ContractById(MethodView):
    @authenticated
    @blp.response(200, ContractSchema)
    def get(self, contract_id):
        with sessions()() as session:
            return contract_or_404(session, contract_id)

    @require_roles(*WRITERS)
    @blp.arguments(ContractPatchSchema)
    @blp.response(200, ContractSchema)
    def patch(self, body, contract_id):
        """Change a contract (admin, or its coordinator). A status change follows
        draft -> signed -> active -> closed; an active contract needs a fallback."""
        with sessions().begin() as session:
            current = contract_or_404(session, contract_id, for_update=True)
            require_writer(current)
            if ("coordinator_member_id" in body and not is_admin()
                    and body["coordinator_member_id"] != current.coordinator_member_id):
                raise ApiError(403, "forbidden", "Forbidden",
                               detail="Seul un administrateur désigne le coordinateur.")
            errors: list = []
            changes = _as_domain(body)
            if "communes" in body or "epcis" in body:
                changes["communes"] = _territory(body, errors) or current.communes
                changes["epcis"] = tuple(body.get("epcis", []))
                still_used = routing_store.communes_in_use(session, contract_id) - set(
                    changes["communes"])
                if not errors and still_used:
                    errors.append(("communes", "Communes encore nommées par des règles "
                                               f"d'orientation : {', '.join(sorted(still_used))}."))
            try:
                updated = current.changed(**changes)
            except Invalid as exc:
                raise invalid(errors + exc.errors) from None
            if updated is not None:
                errors += _reference_problems(session, updated, body)
            if errors:
                raise invalid(errors)
            if updated is None:
                return current
            store.save(session, updated)
        return updated

    @require_roles("admin")
    @blp.response(204)
    def delete(self, contract_id):
        """Delete a draft contract (admin) with its routing rules and pathways; a
        contract that was ever signed is closed instead, never deleted."""
        with sessions().begin() as session:
            contract = contract_or_404(session, contract_id, for_update=True)
            if contract.status != "draft":
                raise ApiError(409, "conflict", "Conflict",
                               detail="Seul un brouillon se supprime : clôturez le contrat.")
            if store.successors_of(session, contract_id):
                raise ApiError(409, "conflict", "Conflict",
                               detail="Un autre contrat lui succède.")
            _remove_with_dependents(session, contract)


def _remove_with_dependents(session: Session, contract: Contract) -> None:
    for rule in routing_store.rules_of(session, contract.id):
        routing_store.remove(session, rule)
    for pathway in pathway_store.page(session, contract_id=contract.id, after=None, limit=None):
        pathway_store.remove(session, pathway)
    try:
        with session.begin_nested():
            store.remove(session, contract)
    except IntegrityError:
        raise ApiError(409, "conflict", "Conflict",
                       detail="D'autres données (plan d'action...) dépendent de ce contrat."
                       ) from None

