"""Pathways: templates of ordered steps, each handled by one organisation.

*Sport sur Ordonnance* (La Possession) reads: beneficiary -> prescription by
their doctor -> "bilan sport santé" at the Maison Sport Santé -> adapted
physical activity with the town's sports service. How "the GP" is modelled:
the prescription is **the referral itself**, raised by the referrer (a GP of a
CPTS or an MSP, whichever organisation they belong to). It is not a step,
because a step has one receiving organisation fixed in the template, and the
prescriber differs for every beneficiary. So the template starts at the first
organisation that *receives* the person:

1. "Bilan sport santé" (physical_activity_prescription) -> the Maison Sport Santé;
2. "Activité physique adaptée" (physical_activity_prescription) -> the town's
   sports service.

The referrals service follows the person along the steps; the referrer is
told at each one, which closes the loop the GP asked for.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace

from services.registry.domain.contracts import Invalid


@dataclass(frozen=True)
class Step:
    position: int
    name: str
    need_category: str
    organisation_id: uuid.UUID


@dataclass(frozen=True)
class Pathway:
    contract_id: uuid.UUID
    name: str
    steps: tuple[Step, ...]
    active: bool = True
    version: int = 1
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self):
        object.__setattr__(self, "steps", tuple(self.steps))
        errors = pathway_problems(self)
        if errors:
            raise Invalid(errors)
        object.__setattr__(self, "steps", tuple(sorted(self.steps, key=lambda s: s.position)))

    def changed(self, **changes) -> Pathway | None:
        candidate = replace(self, **changes)
        if candidate == self:
            return None
        return replace(candidate, version=self.version + 1)


def pathway_problems(pathway: Pathway) -> list[tuple[str, str]]:
    """Steps are numbered 1..n without gaps or repeats; each has a name."""
    errors = []
    if not pathway.name.strip():
        errors.append(("name", "Un parcours doit avoir un nom."))
    if not pathway.steps:
        errors.append(("steps", "Un parcours compte au moins une étape."))
    seen: set[int] = set()
    for i, step in enumerate(pathway.steps):
        if step.position in seen:
            errors.append((f"steps.{i}.position", f"Position {step.position} en double."))
        elif not 1 <= step.position <= len(pathway.steps):
            errors.append((f"steps.{i}.position",
                           f"Les positions vont de 1 à {len(pathway.steps)}, sans trou."))
        seen.add(step.position)
        if not step.name.strip():
            errors.append((f"steps.{i}.name", "Une étape doit avoir un nom."))
    return errors
