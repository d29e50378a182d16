"""Organisations of the partners directory (CCAS, CPTS, MSP, ...).

An organisation serves communes (INSEE codes) and handles need categories; its
contact is the structure's generic phone and e-mail, never a person's. It is
deactivated, never deleted: referrals and contracts keep pointing at it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from shared.events.registry import ORGANISATION_KINDS

PHONE = re.compile(r"\+?[0-9][0-9 .-]{5,28}")
MAX_COMMUNES = 2000  # a département has up to ~900 communes


class InvalidOrganisation(ValueError):
    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True)
class Organisation:
    name: str
    kind: str
    active: bool = True
    version: int = 1
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    communes: tuple[str, ...] = ()
    need_categories: tuple[str, ...] = ()
    phone: str | None = None
    email: str | None = None

    def __post_init__(self):
        if not self.name.strip():
            raise InvalidOrganisation("name", "Un organisme doit avoir un nom.")
        if self.kind not in ORGANISATION_KINDS:
            raise InvalidOrganisation("kind", f"Type d'organisme inconnu : {self.kind}.")
        if self.phone is not None and not PHONE.fullmatch(self.phone):
            raise InvalidOrganisation("phone", "Numéro de téléphone invalide.")
        if len(self.communes) > MAX_COMMUNES:
            raise InvalidOrganisation("communes", f"{MAX_COMMUNES} communes au plus.")
        # One canonical order: equal sets compare equal, events are stable.
        object.__setattr__(self, "communes", tuple(sorted(set(self.communes))))
        object.__setattr__(self, "need_categories", tuple(sorted(set(self.need_categories))))

    def changed(self, **changes) -> Organisation | None:
        """A new version with `changes` applied, or None when nothing changes."""
        candidate = replace(self, **changes)
        if candidate == self:
            return None
        return replace(candidate, version=self.version + 1)

    def deactivated(self) -> Organisation | None:
        return self.changed(active=False)


def unknown_references(communes: Iterable[str], need_categories: Iterable[str], *,
                       commune_exists: Callable[[str], bool],
                       category_exists: Callable[[str], bool]) -> list[tuple[str, str]]:
    """(field, message) for each commune or category that does not exist, named by
    its position in the list the client sent (`communes.2`)."""
    errors = [(f"communes.{i}", f"Code INSEE inconnu : {code}.")
              for i, code in enumerate(communes) if not commune_exists(code)]
    errors += [(f"need_categories.{i}", f"Catégorie de besoin inconnue : {code}.")
               for i, code in enumerate(need_categories) if not category_exists(code)]
    return errors
