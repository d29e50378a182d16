"""The action plan of a contract: axes and sub-axes (a tree) and fiches actions.

A fiche is the unit the CLS reports on: who leads it (pilots), who carries it
out (carriers), where it stands (status), when and with what money.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from decimal import Decimal

ACTION_STATUSES = ("planned", "in_progress", "done", "paused", "abandoned", "blocked", "late",
                   "to_discuss")
PRIORITIES = ("high", "medium", "low")
BUDGET_PERIODS = ("yearly", "total")
MAX_AXIS_DEPTH = 4  # axe > sous-axe > ...: deeper trees are a modelling mistake

# French labels for what people read (CSV export, documents).
STATUS_LABELS = {
    "planned": "Prévue", "in_progress": "En cours", "done": "Réalisée", "paused": "En pause",
    "abandoned": "Abandonnée", "blocked": "Bloquée", "late": "En retard",
    "to_discuss": "À discuter",
}
PRIORITY_LABELS = {"high": "Haute", "medium": "Moyenne", "low": "Basse"}
BUDGET_PERIOD_LABELS = {"yearly": "par an", "total": "total"}


class InvalidPlan(ValueError):
    """A rule of the plan is broken; `field` names the input at fault."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


def _require_text(value: str, name: str, maximum: int, label: str) -> None:
    if not value or not value.strip():
        raise InvalidPlan(name, f"{label} est obligatoire.")
    if len(value) > maximum:
        raise InvalidPlan(name, f"{label} dépasse {maximum} caractères.")


class _Versioned:
    def changed(self, **changes):
        """A new version with `changes` applied, or None when nothing changes."""
        if all(getattr(self, name) == value for name, value in changes.items()):
            return None
        return replace(self, **changes, version=self.version + 1)


@dataclass(frozen=True)
class Axis(_Versioned):
    """An axis ("AXE A") or a sub-axis ("A2", parent: A) of a contract's plan."""

    contract_id: uuid.UUID
    code: str
    title: str
    parent_id: uuid.UUID | None = None
    position: int = 0
    version: int = 1
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self):
        _require_text(self.code, "code", 30, "Le code")
        _require_text(self.title, "title", 300, "Le titre")
        if self.parent_id == self.id:
            raise InvalidPlan("parent_id", "Un axe ne peut pas être son propre parent.")


def check_axis_parent(axis: Axis, parent: Axis | None,
                      parent_of: Mapping[uuid.UUID, uuid.UUID | None]) -> None:
    """The tree rules: a parent of the same contract, no cycle, a bounded depth.

    `parent_of` maps every axis id of the contract to its parent id (as stored).
    """
    if parent is None:
        return
    if parent.contract_id != axis.contract_id:
        raise InvalidPlan("parent_id", "L'axe parent appartient à un autre contrat.")
    depth, current, seen = 1, parent.id, set()
    while current is not None:
        if current == axis.id:
            raise InvalidPlan("parent_id", "Un axe ne peut pas être placé sous l'un de ses "
                                           "sous-axes.")
        if current in seen:  # a stored cycle: refuse rather than loop
            raise InvalidPlan("parent_id", "L'arborescence des axes est incohérente.")
        seen.add(current)
        depth += 1
        current = parent_of.get(current)
    if depth + _height_below(axis.id, parent_of) > MAX_AXIS_DEPTH:
        raise InvalidPlan("parent_id", f"L'arborescence est limitée à {MAX_AXIS_DEPTH} niveaux.")


def _height_below(axis_id: uuid.UUID, parent_of: Mapping[uuid.UUID, uuid.UUID | None]) -> int:
    children = [child for child, parent in parent_of.items() if parent == axis_id]
    return max((1 + _height_below(child, parent_of) for child in children), default=0)


def subtree(axis_id: uuid.UUID, parent_of: Mapping[uuid.UUID, uuid.UUID | None]) -> set:
    """The axis and every axis below it (to list the fiches of "AXE C" and its sub-axes)."""
    found, frontier = {axis_id}, [axis_id]
    while frontier:
        current = frontier.pop()
        for child, parent in parent_of.items():
            if parent == current and child not in found:
                found.add(child)
                frontier.append(child)
    return found


@dataclass(frozen=True)
class Party:
    """A pilot or a carrier: a registered organisation, or a named group (a working group,
    a municipal department) that has no account."""

    organisation_id: uuid.UUID | None = None
    name: str | None = None

    def __post_init__(self):
        if (self.organisation_id is None) == (not self.name or not self.name.strip()):
            raise InvalidPlan("organisation_id", "Indiquez soit une organisation, soit un nom.")


@dataclass(frozen=True)
class Action(_Versioned):
    """A fiche action."""

    contract_id: uuid.UUID
    axis_id: uuid.UUID
    code: str
    title: str
    objectives: str = ""
    target_public: str = ""
    pilots: tuple[Party, ...] = ()
    carriers: tuple[Party, ...] = ()
    status: str = "planned"
    priority: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    budget_amount: Decimal | None = None
    budget_period: str | None = None
    funders: tuple[str, ...] = ()
    version: int = 1
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self):
        _require_text(self.code, "code", 30, "Le code")
        _require_text(self.title, "title", 300, "Le titre")
        if self.status not in ACTION_STATUSES:
            raise InvalidPlan("status", f"Statut inconnu : {self.status!r}.")
        if self.priority is not None and self.priority not in PRIORITIES:
            raise InvalidPlan("priority", f"Priorité inconnue : {self.priority!r}.")
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise InvalidPlan("ends_on", "La date de fin précède la date de début.")
        if self.budget_amount is not None:
            if not self.budget_amount.is_finite() or self.budget_amount < 0:
                raise InvalidPlan("budget_amount", "Le budget doit être un montant positif.")
            if self.budget_period not in BUDGET_PERIODS:
                raise InvalidPlan("budget_period", "Précisez si le budget est annuel ou total.")
        elif self.budget_period is not None:
            raise InvalidPlan("budget_amount", "Une période de budget sans montant.")
        if any(not funder.strip() for funder in self.funders):
            raise InvalidPlan("funders", "Un financeur sans nom.")


ACTION_FIELDS = tuple(f.name for f in fields(Action) if f.name not in ("id", "version"))


def check_action_dates_in(action: Action, period: tuple[date | None, date | None]) -> None:
    """A fiche's dates stay within its contract's period, when the contract has one."""
    starts, ends = period
    if starts and action.starts_on and action.starts_on < starts:
        raise InvalidPlan("starts_on", "La fiche commence avant le début du contrat.")
    if ends and action.ends_on and action.ends_on > ends:
        raise InvalidPlan("ends_on", "La fiche se termine après la fin du contrat.")


OrganisationExists = Callable[[uuid.UUID], bool]


def check_parties(action: Action, organisation_exists: OrganisationExists) -> None:
    """Every pilot and carrier given by id must be a known organisation."""
    for name in ("pilots", "carriers"):
        for index, party in enumerate(getattr(action, name)):
            if party.organisation_id and not organisation_exists(party.organisation_id):
                raise InvalidPlan(f"{name}.{index}.organisation_id", "Organisation inconnue.")
