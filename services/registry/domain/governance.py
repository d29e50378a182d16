"""Governance of a contract: bodies (comité de pilotage, comité technique, groupes de
travail), who sits in them, and their meetings with the decisions taken.

A meeting is scheduled, rescheduled (any change while scheduled) or cancelled;
each of these is an event the notifications service turns into reminders.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

BODY_KINDS = ("steering_committee", "technical_committee", "working_group")
BODY_KIND_LABELS = {"steering_committee": "Comité de pilotage",
                    "technical_committee": "Comité technique",
                    "working_group": "Groupe de travail"}
MEETING_STATUSES = ("scheduled", "cancelled")


class InvalidGovernance(ValueError):
    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


class MeetingClosed(Exception):
    """A cancelled meeting does not change any more (schedule a new one)."""


def _text(value: str | None, name: str, maximum: int, label: str, required=True) -> None:
    if required and (not value or not value.strip()):
        raise InvalidGovernance(name, f"{label} est obligatoire.")
    if value and len(value) > maximum:
        raise InvalidGovernance(name, f"{label} dépasse {maximum} caractères.")


@dataclass(frozen=True)
class BodyMember:
    """A seat: a member account, an organisation, or both (a member for her organisation)."""

    role: str
    member_id: uuid.UUID | None = None
    organisation_id: uuid.UUID | None = None

    def __post_init__(self):
        if self.member_id is None and self.organisation_id is None:
            raise InvalidGovernance("member_id", "Indiquez un membre ou une organisation.")
        _text(self.role, "role", 100, "Le rôle")


@dataclass(frozen=True)
class Body:
    contract_id: uuid.UUID
    kind: str
    name: str
    theme: str | None = None
    members: tuple[BodyMember, ...] = ()
    version: int = 1
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self):
        if self.kind not in BODY_KINDS:
            raise InvalidGovernance("kind", f"Type d'instance inconnu : {self.kind!r}.")
        _text(self.name, "name", 200, "Le nom")
        _text(self.theme, "theme", 200, "Le thème", required=False)
        seats = [(m.member_id, m.organisation_id) for m in self.members]
        if len(seats) != len(set(seats)):
            raise InvalidGovernance("members", "Un même membre figure deux fois.")

    @property
    def member_ids(self) -> list[uuid.UUID]:
        """Who can be reminded of its meetings: the seats held by a member account."""
        return sorted({m.member_id for m in self.members if m.member_id}, key=str)

    def changed(self, **changes) -> Body | None:
        if all(getattr(self, name) == value for name, value in changes.items()):
            return None
        return replace(self, **changes, version=self.version + 1)


@dataclass(frozen=True)
class Decision:
    text: str
    action_ids: tuple[uuid.UUID, ...] = ()

    def __post_init__(self):
        _text(self.text, "text", 2000, "Le texte de la décision")
        # One order whatever order they were given in: equal decisions compare equal.
        object.__setattr__(self, "action_ids", tuple(sorted(set(self.action_ids), key=str)))


@dataclass(frozen=True)
class Meeting:
    body_id: uuid.UUID
    contract_id: uuid.UUID
    starts_at: datetime
    place: str = ""
    agenda: str = ""
    decisions: tuple[Decision, ...] = ()
    status: str = "scheduled"
    version: int = 1
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self):
        if self.starts_at.tzinfo is None:
            raise InvalidGovernance("starts_at", "La date doit préciser le fuseau horaire.")
        object.__setattr__(self, "starts_at", self.starts_at.astimezone(UTC))  # one clock
        if self.status not in MEETING_STATUSES:
            raise InvalidGovernance("status", f"Statut inconnu : {self.status!r}.")
        _text(self.place, "place", 300, "Le lieu", required=False)
        _text(self.agenda, "agenda", 5000, "L'ordre du jour", required=False)

    def changed(self, **changes) -> tuple[Meeting, str] | None:
        """The new version and the event verb (`updated` or `cancelled`), or None."""
        if self.status == "cancelled":
            raise MeetingClosed()
        if all(getattr(self, name) == value for name, value in changes.items()):
            return None
        new = replace(self, **changes, version=self.version + 1)
        return new, "cancelled" if new.status == "cancelled" else "updated"
