"""Routing rules: where a need raised in a commune goes.

A rule sends one need category, in some communes of a contract (none listed =
the whole territory), to a receiving organisation. Resolution for (commune,
category): among the active rules of that category covering the commune, the
highest precedence wins; at equal precedence a rule naming the commune beats a
whole-territory rule (the more specific one); a remaining tie goes to the
greatest rule id (as text), so every reader (the registry, the referrals
service's read model) picks the same rule. With no rule the contract's fallback organisation
receives it: never nowhere (an active contract always has one).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

BY_RULE, BY_FALLBACK, UNROUTED = "rule", "fallback", "none"


@dataclass(frozen=True)
class RoutingRule:
    contract_id: uuid.UUID
    need_category: str
    organisation_id: uuid.UUID
    communes: tuple[str, ...] = ()
    precedence: int = 0
    active: bool = True
    version: int = 1
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self):
        object.__setattr__(self, "communes", tuple(sorted(set(self.communes))))

    def covers(self, commune: str) -> bool:
        return not self.communes or commune in self.communes

    def changed(self, **changes) -> RoutingRule | None:
        candidate = replace(self, **changes)
        if candidate == self:
            return None
        return replace(candidate, version=self.version + 1)


@dataclass(frozen=True)
class Destination:
    """Where a need goes and why: by a rule (its id) or by the fallback."""

    organisation_id: uuid.UUID | None
    by: str
    rule_id: uuid.UUID | None = None


@dataclass(frozen=True)
class CoverageEntry:
    commune: str
    need_category: str
    destination: Destination

    @property
    def gap(self) -> bool:
        """No rule for this pair: it relies on the fallback (or goes nowhere yet)."""
        return self.destination.by != BY_RULE


def territory_problems(communes: Iterable[str], territory: Iterable[str]) -> list[tuple[str, str]]:
    """A rule may only name communes of its contract's territory."""
    inside = set(territory)
    return [(f"communes.{i}", f"La commune {code} n'est pas dans le territoire du contrat.")
            for i, code in enumerate(communes) if code not in inside]


def _preference(rule: RoutingRule) -> tuple:
    return (rule.precedence, bool(rule.communes), str(rule.id))


def resolve(rules: Iterable[RoutingRule], *, territory: Iterable[str],
            fallback_organisation_id: uuid.UUID | None, commune: str,
            need_category: str) -> Destination | None:
    """Where a need of `need_category` raised in `commune` goes under one contract;
    None when the commune is outside the contract's territory."""
    if commune not in set(territory):
        return None
    candidates = [rule for rule in rules if rule.active and rule.need_category == need_category
                  and rule.covers(commune)]
    if candidates:
        best = max(candidates, key=_preference)
        return Destination(best.organisation_id, BY_RULE, best.id)
    if fallback_organisation_id is not None:
        return Destination(fallback_organisation_id, BY_FALLBACK)
    return Destination(None, UNROUTED)


def coverage(rules: Iterable[RoutingRule], *, territory: Iterable[str],
             fallback_organisation_id: uuid.UUID | None,
             need_categories: Iterable[str]) -> list[CoverageEntry]:
    """Every (commune, category) pair of a contract and where it goes."""
    rules, territory = list(rules), sorted(set(territory))
    return [CoverageEntry(commune, category, resolve(
                rules, territory=territory, fallback_organisation_id=fallback_organisation_id,
                commune=commune, need_category=category))
            for commune in territory for category in sorted(set(need_categories))]

