"""Where a need goes: the competent organisation for a commune and a need category.

Resolution, from the local copy of the registry's contracts and routing rules:
among contracts in force whose territory contains the commune, the active rule
of the need category covering the commune with the highest precedence wins (a
rule naming the commune beats a territory-wide one at equal precedence); with
no rule, the contract's fallback organisation. No contract covering the commune,
or none with a destination, is an error: a need never goes nowhere.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

IN_FORCE = ("signed", "active")
DEFAULT_REMINDER_DAYS = 10
DEFAULT_EXPIRY_DAYS = 30


@dataclass(frozen=True)
class Contract:
    id: uuid.UUID
    status: str
    communes: frozenset[str]
    fallback_organisation_id: uuid.UUID | None = None
    reminder_after_days: int = DEFAULT_REMINDER_DAYS
    expire_after_days: int = DEFAULT_EXPIRY_DAYS


@dataclass(frozen=True)
class Rule:
    id: uuid.UUID
    contract_id: uuid.UUID
    communes: frozenset[str]  # empty: the whole territory of the contract
    need_category: str
    organisation_id: uuid.UUID
    precedence: int = 0
    active: bool = True


@dataclass(frozen=True)
class Destination:
    organisation_id: uuid.UUID
    contract_id: uuid.UUID | None
    reminder_after_days: int = DEFAULT_REMINDER_DAYS
    expire_after_days: int = DEFAULT_EXPIRY_DAYS
    by_rule: uuid.UUID | None = None  # None: the contract's fallback


class NoDestination(Exception):
    """No organisation is known for this commune (French message for the user)."""


def route(commune: str, need_category: str, contracts: list[Contract], rules: list[Rule],
          *, unavailable: frozenset[uuid.UUID] = frozenset()) -> Destination:
    """The destination of a need; `unavailable` organisations (known inactive) are skipped."""
    covering = sorted((c for c in contracts if c.status in IN_FORCE and commune in c.communes),
                      key=lambda c: str(c.id))
    if not covering:
        raise NoDestination(
            f"Aucun contrat local de santé en vigueur ne couvre la commune {commune} : "
            "aucune structure destinataire n'est connue.")
    by_id = {c.id: c for c in covering}
    candidates = [r for r in rules
                  if r.active and r.contract_id in by_id and r.need_category == need_category
                  and (not r.communes or commune in r.communes)
                  and r.organisation_id not in unavailable]
    if candidates:
        best = max(candidates, key=lambda r: (r.precedence, bool(r.communes), str(r.id)))
        return _destination(by_id[best.contract_id], best.organisation_id, best.id)
    for contract in covering:
        if contract.fallback_organisation_id and \
                contract.fallback_organisation_id not in unavailable:
            return _destination(contract, contract.fallback_organisation_id, None)
    raise NoDestination(
        f"Aucune structure destinataire n'est définie pour la commune {commune} et ce "
        "besoin (ni règle d'orientation, ni structure par défaut du contrat).")


def _destination(contract: Contract, organisation_id: uuid.UUID,
                 rule_id: uuid.UUID | None) -> Destination:
    return Destination(organisation_id, contract.id, contract.reminder_after_days,
                       contract.expire_after_days, rule_id)
