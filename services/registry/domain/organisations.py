"""Organisations of the partners directory (CCAS, CPTS, MSP, ...)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace

from shared.events.registry import ORGANISATION_KINDS


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

    def __post_init__(self):
        if not self.name.strip():
            raise InvalidOrganisation("name", "An organisation needs a name.")
        if self.kind not in ORGANISATION_KINDS:
            raise InvalidOrganisation("kind", f"Unknown kind {self.kind!r}.")

    def changed(self, **changes) -> Organisation | None:
        """A new version with `changes` applied, or None when nothing changes."""
        current = {name: getattr(self, name) for name in changes}
        if current == changes:
            return None
        return replace(self, **changes, version=self.version + 1)
