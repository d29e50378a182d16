"""Contracts (CLS): their territory, period, generation, status and partners.

Pure rules: what a valid contract is and which changes it allows. Whether an
INSEE code, an organisation or a member exists is looked up by the caller and
handed in (territory expansion takes the referential's lookups as functions).
Messages are French: they end up in front of the coordinator.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date

STATUSES = ("draft", "signed", "active", "closed")
# A contract is drafted, signed, put in force, closed; a draft may be abandoned.
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"signed", "closed"}),
    "signed": frozenset({"active", "closed"}),
    "active": frozenset({"closed"}),
    "closed": frozenset(),
}
PARTNER_ROLES = ("signatory", "co_signatory", "partner", "pilot")
DEFAULT_REMINDER_AFTER_DAYS = 10
DEFAULT_EXPIRE_AFTER_DAYS = 30


class Invalid(ValueError):
    """One or more fields are wrong: `errors` is a list of (field, message)."""

    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors))
        self.errors = errors


@dataclass(frozen=True)
class Amendment:
    """An avenant: a dated change to the signed contract."""

    signed_on: date
    title: str
    summary: str = ""


@dataclass(frozen=True)
class Partner:
    organisation_id: uuid.UUID
    role: str


@dataclass(frozen=True)
class Contract:
    name: str
    communes: tuple[str, ...]
    status: str = "draft"
    epcis: tuple[str, ...] = ()
    starts_on: date | None = None
    ends_on: date | None = None
    generation: int | None = None
    predecessor_id: uuid.UUID | None = None
    signed_on: date | None = None
    amendments: tuple[Amendment, ...] = ()
    partners: tuple[Partner, ...] = ()
    coordinator_member_id: uuid.UUID | None = None
    # Where a need goes when no routing rule matches: required once active.
    fallback_organisation_id: uuid.UUID | None = None
    reminder_after_days: int = DEFAULT_REMINDER_AFTER_DAYS
    expire_after_days: int = DEFAULT_EXPIRE_AFTER_DAYS
    version: int = 1
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self):
        object.__setattr__(self, "communes", tuple(sorted(set(self.communes))))
        object.__setattr__(self, "epcis", tuple(sorted(set(self.epcis))))
        object.__setattr__(self, "amendments",
                           tuple(sorted(self.amendments, key=lambda a: (a.signed_on, a.title))))
        object.__setattr__(self, "partners", tuple(sorted(
            set(self.partners), key=lambda p: (p.role, str(p.organisation_id)))))
        errors = contract_problems(self)
        if errors:
            raise Invalid(errors)

    def changed(self, **changes) -> Contract | None:
        """A new version with `changes` applied, or None when nothing changes.
        A status change must follow TRANSITIONS."""
        candidate = replace(self, **changes)
        if candidate == self:
            return None
        if candidate.status != self.status and candidate.status not in TRANSITIONS[self.status]:
            raise Invalid([("status", f"Passage de « {self.status} » à « {candidate.status} » "
                                      "impossible.")])
        return replace(candidate, version=self.version + 1)

    def deleted_version(self) -> int:
        return self.version + 1


def contract_problems(contract: Contract) -> list[tuple[str, str]]:
    """Everything wrong with a contract on its own (no lookups)."""
    errors = []
    if not contract.name.strip():
        errors.append(("name", "Un contrat doit avoir un nom."))
    if not contract.communes:
        errors.append(("communes", "Le territoire doit compter au moins une commune."))
    if contract.status not in STATUSES:
        errors.append(("status", f"Statut inconnu : {contract.status}."))
    if contract.starts_on and contract.ends_on and contract.ends_on <= contract.starts_on:
        errors.append(("ends_on", "La fin doit être postérieure au début."))
    if contract.signed_on and contract.ends_on and contract.signed_on > contract.ends_on:
        errors.append(("signed_on", "La signature ne peut pas suivre la fin du contrat."))
    if contract.generation is not None and contract.generation < 1:
        errors.append(("generation", "La génération commence à 1 (CLS1)."))
    if contract.predecessor_id is not None and contract.predecessor_id == contract.id:
        errors.append(("predecessor_id", "Un contrat ne peut pas se succéder à lui-même."))
    if contract.status == "active" and contract.fallback_organisation_id is None:
        errors.append(("fallback_organisation_id", "Un contrat actif doit avoir un organisme "
                                                   "de repli : aucun besoin sans destination."))
    for i, amendment in enumerate(contract.amendments):
        if not amendment.title.strip():
            errors.append((f"amendments.{i}.title", "Un avenant doit avoir un titre."))
        if contract.signed_on and amendment.signed_on < contract.signed_on:
            errors.append((f"amendments.{i}.signed_on",
                           "Un avenant ne peut pas précéder la signature du contrat."))
    for i, partner in enumerate(contract.partners):
        if partner.role not in PARTNER_ROLES:
            errors.append((f"partners.{i}.role", f"Rôle inconnu : {partner.role}."))
    if contract.reminder_after_days < 1:
        errors.append(("reminder_after_days", "Au moins un jour."))
    if contract.expire_after_days <= contract.reminder_after_days:
        errors.append(("expire_after_days", "L'expiration doit venir après la relance."))
    return errors


def successor_problems(contract: Contract, predecessor: Contract | None) -> list[tuple[str, str]]:
    """A predecessor must exist and come from an earlier generation."""
    if contract.predecessor_id is None:
        return []
    if predecessor is None:
        return [("predecessor_id", "Contrat prédécesseur inconnu.")]
    if (contract.generation is not None and predecessor.generation is not None
            and predecessor.generation >= contract.generation):
        return [("generation", "La génération doit suivre celle du contrat prédécesseur.")]
    return []


_GENERATION = re.compile(r"^\s*(?:cls\s*)?(\d{1,2})\s*$", re.IGNORECASE)


def parse_generation(value: int | str | None) -> int | None:
    """2, "2", "CLS2" or "cls 2" -> 2."""
    if value is None or isinstance(value, int):
        return value
    match = _GENERATION.match(value)
    if not match:
        raise Invalid([("generation", "Génération attendue comme 2 ou « CLS2 ».")])
    return int(match.group(1))


def expand_territory(communes: Iterable[str], epcis: Iterable[str], *,
                     commune_exists: Callable[[str], bool],
                     epci_members: Callable[[str], Iterable[str] | None]) -> tuple[str, ...]:
    """The communes of a territory given as INSEE codes and/or EPCI codes.

    Each unknown code is named by its index (`communes.3`, `epcis.0`), so the
    client knows which entry to fix.
    """
    communes, epcis = list(communes), list(epcis)
    errors, territory = [], set()
    for i, code in enumerate(communes):
        if commune_exists(code):
            territory.add(code)
        else:
            errors.append((f"communes.{i}", f"Code INSEE inconnu : {code}."))
    for i, code in enumerate(epcis):
        members = epci_members(code)
        if members is None:
            errors.append((f"epcis.{i}", f"Intercommunalité (EPCI) inconnue : {code}."))
        else:
            territory.update(members)
    if not errors and not territory:
        errors.append(("communes", "Le territoire doit compter au moins une commune."))
    if errors:
        raise Invalid(errors)
    return tuple(sorted(territory))
