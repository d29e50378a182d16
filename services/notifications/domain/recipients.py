"""Who hears about which event: the rules, as a table.

| event (type)                     | members notified                                |
|----------------------------------|-------------------------------------------------|
| referral.submitted               | receiving organisation's active handlers        |
|                                  | (urgent: the critical kind, see preferences)    |
| referral.accepted, rejected,     | the referrer                                    |
| started, held, resumed,          |                                                 |
| completed, failed                |                                                 |
| referral.expired                 | the referrer and the contract's coordinator     |
| referral.redirected              | the referrer and the new receiving handlers     |
| referral.cancelled               | the assignee, or the receiving handlers if none |
| referral.assigned                | the assignee                                    |
| referral.reminded                | receiving handlers and the assignee             |
| message.shared                   | the other side: from the referrer's organisation|
|                                  | -> the assignee (or the receiving handlers);    |
|                                  | from the receiving side -> the referrer         |
| meeting.scheduled, updated,      | the meeting's members (its body's attendees)    |
| cancelled                        |                                                 |

Whoever caused the event (`actor_member_id`, `author_member_id`) is not told
about their own action. Webhook subscriptions receive an event when their
organisation is concerned: the referrer's, receiving and previous receiving
organisations of a referral, the organisations of a meeting's members.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from services.notifications.domain.preferences import (
    MEETING_EVENT_TYPES,
    MESSAGE_SHARED,
    URGENT_SUBMISSION,
)

SUBMITTED = "referrals.referral.submitted"
_TO_REFERRER = {f"referrals.referral.{verb}" for verb in (
    "accepted", "rejected", "started", "held", "resumed", "completed", "failed", "expired",
    "redirected")}


class Directory(Protocol):
    """What the rules need to know about members (the registry's read models)."""

    def handlers_of(self, organisation_id: uuid.UUID) -> list[uuid.UUID]: ...

    def coordinator_of(self, contract_id: uuid.UUID | None) -> uuid.UUID | None: ...


@dataclass(frozen=True)
class Recipient:
    member_id: uuid.UUID
    kind: str


def _uuid(value) -> uuid.UUID | None:
    return uuid.UUID(str(value)) if value else None


def kind_of(event_type: str, data: dict) -> str:
    """The notification kind: the event type, but an urgent submission is its own."""
    if event_type == SUBMITTED and data.get("urgency") == "urgent":
        return URGENT_SUBMISSION
    return event_type


def recipients(event_type: str, data: dict, directory: Directory) -> list[Recipient]:
    """The members to notify, each once, in a stable order."""
    members = list(_members(event_type, data, directory))
    kind = kind_of(event_type, data)
    actor = _uuid(data.get("actor_member_id") or data.get("author_member_id"))
    seen: set[uuid.UUID] = set()
    found = []
    for member in members:
        if member is None or member == actor or member in seen:
            continue
        seen.add(member)
        found.append(Recipient(member, kind))
    return found


def _members(event_type: str, data: dict, directory: Directory) -> Iterable[uuid.UUID | None]:
    referrer = _uuid(data.get("referrer_member_id"))
    assignee = _uuid(data.get("assignee_member_id"))
    receiving = _uuid(data.get("receiving_organisation_id"))
    if event_type in MEETING_EVENT_TYPES:
        return [_uuid(m) for m in data.get("member_ids", [])]
    if event_type == MESSAGE_SHARED:
        if str(data["author_organisation_id"]) == str(data["referrer_organisation_id"]):
            return [assignee] if assignee else directory.handlers_of(receiving)
        return [referrer]
    if event_type == SUBMITTED:
        return directory.handlers_of(receiving)
    if event_type == "referrals.referral.expired":
        return [referrer, directory.coordinator_of(_uuid(data.get("contract_id")))]
    if event_type == "referrals.referral.redirected":
        return [referrer, *directory.handlers_of(receiving)]
    if event_type in _TO_REFERRER:
        return [referrer]
    if event_type == "referrals.referral.cancelled":
        return [assignee] if assignee else directory.handlers_of(receiving)
    if event_type == "referrals.referral.assigned":
        return [assignee]
    if event_type == "referrals.referral.reminded":
        return [*directory.handlers_of(receiving), assignee]
    return []


def concerned_organisations(event_type: str, data: dict,
                            organisations_of_members: dict[uuid.UUID, uuid.UUID]
                            ) -> list[uuid.UUID]:
    """Organisations whose webhook subscriptions may receive this event."""
    if event_type in MEETING_EVENT_TYPES:
        found = [organisations_of_members.get(_uuid(m)) for m in data.get("member_ids", [])]
    else:
        found = [_uuid(data.get(name)) for name in (
            "referrer_organisation_id", "receiving_organisation_id", "previous_organisation_id")]
    ordered: list[uuid.UUID] = []
    for organisation in found:
        if organisation is not None and organisation not in ordered:
            ordered.append(organisation)
    return ordered
