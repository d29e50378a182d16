"""Members: a person's account in an organisation, with roles.

Deactivated, never deleted: who did what stays answerable. The e-mail is the
professional's work address and their sign-in name (unique whatever its case).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field, replace

from services.registry.domain.organisations import PHONE

ROLES = ("referrer", "handler", "coordinator", "admin")
# Deliberately simple: the address is checked by sending mail to it, not by a regex.
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
RPPS = re.compile(r"[0-9]{11}")


class InvalidMember(ValueError):
    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


def email_key(email: str) -> str:
    """The form an e-mail is looked up by: one account per address, whatever its case."""
    return email.strip().lower()


def is_valid_rpps(number: str) -> bool:
    """An RPPS number is 11 digits.

    Its last digit is said to be a Luhn key, but no authoritative source could be
    found to confirm it (ANS's own FHIR example, 10101201234, fails Luhn): checking
    it could refuse real professionals, so only the shape is checked.
    """
    return bool(RPPS.fullmatch(number))


@dataclass(frozen=True)
class Member:
    organisation_id: uuid.UUID
    email: str
    display_name: str
    roles: tuple[str, ...]
    rpps: str | None = None
    phone: str | None = None
    active: bool = True
    version: int = 1
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self):
        object.__setattr__(self, "email", self.email.strip())
        object.__setattr__(self, "roles", tuple(sorted(set(self.roles))))
        if not EMAIL.fullmatch(self.email) or len(self.email) > 254:
            raise InvalidMember("email", "Adresse e-mail invalide.")
        if not self.display_name.strip():
            raise InvalidMember("display_name", "Le nom affiché est obligatoire.")
        if not self.roles:
            raise InvalidMember("roles", "Au moins un rôle est nécessaire.")
        unknown = set(self.roles) - set(ROLES)
        if unknown:
            raise InvalidMember("roles", f"Rôles inconnus : {', '.join(sorted(unknown))}.")
        if self.rpps is not None and not is_valid_rpps(self.rpps):
            raise InvalidMember("rpps", "Un numéro RPPS compte 11 chiffres.")
        if self.phone is not None and not PHONE.fullmatch(self.phone):
            raise InvalidMember("phone", "Numéro de téléphone invalide.")

    @property
    def email_key(self) -> str:
        return email_key(self.email)

    def changed(self, **changes) -> Member | None:
        """A new version with `changes` applied, or None when nothing changes."""
        candidate = replace(self, **changes)
        if candidate == self:
            return None
        return replace(candidate, version=self.version + 1)
