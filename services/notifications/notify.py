"""The consumer's side: an event becomes inbox items and deliveries, nothing is sent here.

Runs inside the event's transaction (with its `processed_events` row), so it is
fast and all-or-nothing; sending is the dispatcher's job. Each (event,
recipient, channel) gets one delivery row under a unique key: a redelivered
event adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from services.notifications.domain import preferences as prefs
from services.notifications.domain.messages import Lookups, summary, title
from services.notifications.domain.recipients import (
    concerned_organisations,
    kind_of,
    recipients,
)
from services.notifications.store import deliveries as store
from services.notifications.store import subscriptions
from services.notifications.store.directory import (
    SqlDirectory,
    apply_meeting_changed,
    commune_name,
)
from services.notifications.store.preferences import member_modes, organisation_modes
from shared.events import Event


def _utcnow() -> datetime:
    return datetime.now(UTC)


def notify(session: Session, event: Event, now: datetime) -> None:
    if event.type in prefs.MEETING_EVENT_TYPES and not apply_meeting_changed(session, event):
        return  # older than what we hold: its news is stale
    directory = SqlDirectory(session)
    facts = summary(event.type, event.data, Lookups(
        directory.organisation_name, directory.category_label, commune_name))
    found = recipients(event.type, event.data, directory)
    known = directory.members([r.member_id for r in found])
    for recipient in found:
        member = known.get(recipient.member_id)
        if member is not None and not member.active:
            continue
        _notify_member(session, event, recipient.member_id, recipient.kind,
                       member.organisation_id if member else None, facts, now)
    organisations = concerned_organisations(
        event.type, event.data, {m.id: m.organisation_id for m in known.values()})
    kind = kind_of(event.type, event.data)
    for subscription in subscriptions.matching(session, organisations, event.type):
        store.add_delivery(
            session, event_id=event.id, event_type=event.type, kind=kind,
            channel=prefs.WEBHOOK, recipient_key=str(subscription.id),
            subscription_id=subscription.id, organisation_id=subscription.organisation_id,
            status=store.PENDING, summary={"title": title(kind, facts), **facts}, now=now)


def _notify_member(session, event, member_id, kind, organisation_id, facts, now) -> None:
    text = title(kind, facts)
    own, defaults = member_modes(session, member_id), organisation_modes(session, organisation_id)
    for channel in prefs.MEMBER_CHANNELS:
        mode, _source = prefs.resolve(kind, channel, own.get((kind, channel)),
                                      defaults.get((kind, channel)))
        if mode == prefs.OFF:
            continue
        common = {"event_id": event.id, "event_type": event.type, "kind": kind,
                  "channel": channel, "recipient_key": str(member_id),
                  "recipient_member_id": member_id, "organisation_id": organisation_id,
                  "summary": {"title": text, **facts}, "now": now}
        if channel == prefs.IN_APP:
            # The inbox item is the delivery: it is there as soon as this commits.
            store.add_inbox_item(session, member_id=member_id, event_id=event.id, kind=kind,
                                 title=text, summary=facts,
                                 critical=kind in prefs.CRITICAL_KINDS, now=now)
            store.add_delivery(session, status=store.SENT, **common)
        else:
            status = store.PENDING if mode == prefs.IMMEDIATELY else store.DEFERRED
            store.add_delivery(session, status=status, **common)


def handlers(clock: Callable[[], datetime] = _utcnow) -> dict:
    """Consumer handlers for every event type someone is told about."""

    def handle(session: Session, event: Event) -> None:
        notify(session, event, clock())

    return {event_type: handle for event_type in prefs.NOTIFIED_EVENT_TYPES}
