"""Need categories: what a professional can raise. Seeded list, French labels
(what people read); codes are stable English identifiers (what the API and events carry)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field, replace

SEEDED_NEED_CATEGORIES: dict[str, str] = {
    "access_to_rights": "Accès aux droits",
    "domiciliation": "Domiciliation (adresse postale)",
    "financial_aid": "Aide financière",
    "food_aid": "Aide alimentaire",
    "autonomy": "Perte d'autonomie",
    "childcare": "Garde d'enfants (crèche, RPE, LAEP)",
    "housing": "Logement, habitat indigne",
    "mental_health": "Santé mentale",
    "addiction": "Addictions",
    "physical_activity_prescription": "Activité physique sur ordonnance",
    "isolation": "Isolement",
    "violence": "Violences",
}

CODE = re.compile(r"[a-z][a-z0-9_]{1,49}")
# Every deployment derives the same id from a code: events about a seeded category
# agree across databases, and a re-seed never mints a second identity.
_NAMESPACE = uuid.UUID("5b0f6a9e-2f0c-4d5e-9a57-7c1d0e6a3b21")


class InvalidNeedCategory(ValueError):
    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


def category_id(code: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, code)


@dataclass(frozen=True)
class NeedCategory:
    code: str
    label: str
    active: bool = True
    version: int = 1
    id: uuid.UUID = field(default=None)  # type: ignore[assignment]

    def __post_init__(self):
        if not CODE.fullmatch(self.code):
            raise InvalidNeedCategory(
                "code", "Lettres minuscules, chiffres et _, en commençant par une lettre.")
        if not self.label.strip() or len(self.label) > 200:
            raise InvalidNeedCategory("label", "Un libellé de 1 à 200 caractères.")
        if self.id is None:
            object.__setattr__(self, "id", category_id(self.code))

    def changed(self, **changes) -> NeedCategory | None:
        candidate = replace(self, **changes)
        if candidate == self:
            return None
        return replace(candidate, version=self.version + 1)


def seeded() -> list[NeedCategory]:
    return [NeedCategory(code, label) for code, label in SEEDED_NEED_CATEGORIES.items()]
