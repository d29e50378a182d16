"""How each member wants to hear about each kind of notification, per channel.

A preference is keyed by *kind* and channel. The kind is the event type, except
that an urgent referral sent to a handler is its own kind,
`referrals.referral.submitted.urgent`, because it is **critical**: it always
reaches the inbox and the mailbox at once, and trying to set it to anything else
is refused (422 naming `mode`).

Resolution, first found wins: critical -> the member's own choice -> the
organisation's default (set by its admin or coordinator) -> the system default
below. Webhooks are per organisation (subscriptions), not member preferences.

| channel | modes                      | system default                                  |
|---------|----------------------------|-------------------------------------------------|
| in_app  | immediately, off           | immediately                                     |
| email   | immediately, digest, off   | digest for started/held/resumed, else immediately |
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.events.referrals import REFERRAL_EVENT_TYPES

IMMEDIATELY, DIGEST, OFF = "immediately", "digest", "off"
MODES = (IMMEDIATELY, DIGEST, OFF)
IN_APP, EMAIL, WEBHOOK = "in_app", "email", "webhook"
MEMBER_CHANNELS = (IN_APP, EMAIL)

URGENT_SUBMISSION = "referrals.referral.submitted.urgent"
MEETING_EVENT_TYPES = ("registry.meeting.scheduled", "registry.meeting.updated",
                       "registry.meeting.cancelled")
MESSAGE_SHARED = "referrals.message.shared"
NOTIFIED_EVENT_TYPES = (*REFERRAL_EVENT_TYPES, MESSAGE_SHARED, *MEETING_EVENT_TYPES)
KINDS = (*NOTIFIED_EVENT_TYPES, URGENT_SUBMISSION)
CRITICAL_KINDS = frozenset({URGENT_SUBMISSION})
_QUIET_KINDS = frozenset({"referrals.referral.started", "referrals.referral.held",
                          "referrals.referral.resumed"})


class InvalidPreference(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Preference:
    kind: str
    channel: str
    mode: str


def validate(kind: str, channel: str, mode: str) -> Preference:
    """A preference a member or an organisation may store; raises InvalidPreference."""
    if kind not in KINDS:
        raise InvalidPreference("event_type", f"unknown notification kind {kind!r}")
    if channel not in MEMBER_CHANNELS:
        raise InvalidPreference("channel", f"channel must be one of {', '.join(MEMBER_CHANNELS)}")
    if mode not in MODES:
        raise InvalidPreference("mode", f"mode must be one of {', '.join(MODES)}")
    if kind in CRITICAL_KINDS and mode != IMMEDIATELY:
        raise InvalidPreference("mode", "this notification is critical: it is always sent "
                                        "immediately and cannot be switched off or deferred")
    if channel == IN_APP and mode == DIGEST:
        raise InvalidPreference("mode", "the inbox has no digest: immediately or off")
    return Preference(kind, channel, mode)


def system_default(kind: str, channel: str) -> str:
    if channel == EMAIL and kind in _QUIET_KINDS:
        return DIGEST
    return IMMEDIATELY


def resolve(kind: str, channel: str, member_mode: str | None,
            organisation_mode: str | None) -> tuple[str, str]:
    """(mode, where it came from: critical | member | organisation | default)."""
    if kind in CRITICAL_KINDS:
        return IMMEDIATELY, "critical"
    if member_mode is not None:
        return member_mode, "member"
    if organisation_mode is not None:
        return organisation_mode, "organisation"
    return system_default(kind, channel), "default"
