"""The worker's periodic tasks: send due deliveries, and build the daily digests.

At most once per (event, recipient, channel), across a worker crash. Sending
happens outside any transaction, in three committed steps:

1. **claim**: due rows become `claimed`, with a lease (`FOR UPDATE SKIP LOCKED`:
   two workers never take the same row). Nothing has left; a worker dying here
   only lets the lease run out, and the row is claimed again.
2. **sending**: immediately before the message itself is transmitted, that one
   delivery is marked `sending` (attempts + 1, `attempted_at`, a fresh lease) in
   its own transaction; only then is it transmitted. For an e-mail that is once
   the SMTP server accepted sender and recipient, before DATA; for a webhook,
   before the request (lookups and rendering are done before either).
3. **outcome**: `sent`; `failed` with a backoff for a known refusal (SMTP 4xx,
   the server unreachable or refusing before DATA, a webhook's non-2xx answer);
   `dead` when permanent or out of attempts. A refusal before the point of no
   return is recorded from `claimed` (it counts as an attempt).

A `sending` row whose lease ran out means its worker died mid-conversation: the
message may have arrived (the SMTP server's 250 and our commit are two things).
It is never sent again blindly: it becomes `uncertain` (terminal, counted,
announced as a dead letter, listed and replayed with the dead by an admin, whose
decision a replay is). A claim id fences every write, so a worker that outlived
its lease changes nothing it no longer holds; one that was only slow and learnt
the answer still records it. The lease must exceed the longest send (SMTP and
webhook timeouts). Each delivery is sent on its own, so a failing channel or
receiver only delays its own rows.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select, update

from services.notifications.channels import DeliveryError, rendering, webhook
from services.notifications.channels.email import Mailer
from services.notifications.domain import preferences as prefs
from services.notifications.domain.digest import current_slot
from services.notifications.domain.retry import DeliveryRetryPolicy
from services.notifications.store import deliveries as store
from services.notifications.store import subscriptions
from services.notifications.store.directory import member_email
from services.notifications.store.tables import deliveries
from shared.logging import get_logger
from shared.messaging.worker import PeriodicTask

log = get_logger(__name__)
DIGEST = "notifications.digest"
_DIGEST_NAMESPACE = uuid.UUID("6f1c1a52-5f6c-4d53-9a8e-2f0a4e0c9d11")


# Sends a prepared message; calls its argument at the point of no return.
Sender = Callable[[Callable[[], None]], None]


class ClaimLost(Exception):  # noqa: N818 (not an error: another worker has the delivery)
    """The lease ran out and another worker took the delivery: send nothing."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Dispatcher:
    def __init__(self, settings, *, clock: Callable[[], datetime] = _utcnow,
                 mailer: Mailer | None = None):
        self.settings = settings
        self.clock = clock
        self.mailer = mailer or Mailer.from_settings(settings)
        self.stopping = threading.Event()
        self.policy = DeliveryRetryPolicy(settings.delivery_max_attempts,
                                          settings.delivery_base_delay,
                                          settings.delivery_max_delay)

    def tasks(self) -> list[PeriodicTask]:
        return [PeriodicTask("deliveries", self.settings.dispatch_every_seconds, self.send_due,
                             stop=self.stopping.set),
                PeriodicTask("digests", self.settings.digest_every_seconds, self.build_digests)]

    # -- sending ---------------------------------------------------------------------------
    def send_due(self, session_factory) -> int:
        """One pass: settle interrupted sendings, claim a batch of due deliveries, then
        attempt each (marked `sending` just before its message is transmitted)."""
        now = self.clock()
        with session_factory.begin() as session:
            interrupted = store.expire_interrupted(session, now=now,
                                                   limit=self.settings.dispatch_batch_size)
            claimed = store.claim_due(session, now=now,
                                      limit=self.settings.dispatch_batch_size,
                                      lease_seconds=self.settings.delivery_lease_seconds)
        for row in interrupted:
            log.warning("delivery.uncertain", delivery_id=str(row.id), channel=row.channel,
                        attempts=row.attempts, error=store.INTERRUPTED)
        for delivery in claimed:
            if self.stopping.is_set():  # shutting down: the rest are only claimed, and
                break                   # their lease brings them back (nothing was sent)
            self._attempt(session_factory, delivery)
        return len(claimed)

    def _attempt(self, session_factory, delivery: store.Claimed) -> str | None:
        try:
            send = self._prepare(session_factory, delivery.row)
            send(lambda: self._mark_sending(session_factory, delivery))
        except ClaimLost:  # its lease ran out and another worker has it: nothing was sent
            log.info("delivery.claim_lost", delivery_id=str(delivery.id))
            return None
        except DeliveryError as exc:
            return self._record(session_factory, delivery, str(exc), exc.permanent)
        return self._record(session_factory, delivery, None, False)

    def _mark_sending(self, session_factory, delivery: store.Claimed) -> None:
        """The point of no return, committed before the message itself leaves."""
        with session_factory.begin() as session:
            if not store.mark_sending(session, delivery, now=self.clock(),
                                      lease_seconds=self.settings.delivery_lease_seconds):
                raise ClaimLost(delivery.id)

    def _record(self, session_factory, delivery: store.Claimed, error: str | None,
                permanent: bool) -> str | None:
        with session_factory.begin() as session:
            status = store.finish(session, delivery, error=error, permanent=permanent,
                                  now=self.clock(), policy=self.policy)
        log.info("delivery.attempted", delivery_id=str(delivery.id),
                 channel=delivery.row["channel"], attempts=delivery.attempts, status=status,
                 error=error)
        return status

    def _prepare(self, session_factory, row: dict) -> Sender:
        """Everything before the network (lookups, rendering; a DeliveryError here means
        nothing left). The sender returned calls its argument at the point of no return,
        just before transmitting the message."""
        if row["channel"] == prefs.EMAIL:
            return self._prepare_email(session_factory, row)
        if row["channel"] == prefs.WEBHOOK:
            return self._prepare_webhook(session_factory, row)
        raise DeliveryError(f"nothing sends channel {row['channel']}", permanent=True)

    def _prepare_email(self, session_factory, row: dict) -> Callable[[], None]:
        with session_factory() as session:
            address = member_email(session, row["recipient_member_id"])
        if address is None:  # its registry event may still be on its way: try again later
            raise DeliveryError("recipient unknown or inactive")
        summary = row["summary"]
        if row["kind"] == DIGEST:
            subject, text, html = rendering.digest(
                summary["items"], datetime.fromisoformat(summary["day"]).date(),
                self.settings.portal_url)
        else:
            subject, text, html = rendering.notification(summary, self.settings.portal_url)
        return lambda before_data: self.mailer.send(
            to=address, subject=subject, text=text, html=html, message_id=str(row["id"]),
            before_data=before_data)

    def _prepare_webhook(self, session_factory, row: dict) -> Callable[[], None]:
        now = self.clock()
        with session_factory() as session:
            subscription = subscriptions.get(session, row["subscription_id"])
        if subscription is None or not subscription.active:
            raise DeliveryError("subscription removed or paused", permanent=True)
        facts = rendering.shown_facts(row["summary"], self.settings.portal_url)
        data = {**facts, **{name: row["summary"].get(name) for name in (
            "referral_id", "meeting_id", "status", "category_code", "commune_code")}}
        body = json.dumps({
            "delivery_id": str(row["id"]), "event_id": row["event_id"],
            "type": row["event_type"], "organisation_id": str(row["organisation_id"]),
            "data": {name: value for name, value in data.items() if value is not None},
        }, separators=(",", ":"), ensure_ascii=False).encode()
        secrets = subscriptions.signing_secrets(subscription, now)

        def send(before_request: Callable[[], None]) -> None:
            before_request()  # one request: no earlier point where nothing has left
            webhook.post(subscription.url, body, secrets=secrets,
                         timestamp=int(now.timestamp()), delivery_id=str(row["id"]),
                         timeout=self.settings.webhook_timeout)

        return send

    # -- digests ---------------------------------------------------------------------------
    def build_digests(self, session_factory) -> int:
        """Gather each member's e-mails deferred up to the current slot into one digest.

        The digest's event id is derived from (member, day): its delivery's unique key
        makes a second run, or a second worker, add nothing that day.
        """
        now = self.clock()
        slot = current_slot(now, self.settings.digest_hour)
        # Stored as UTC (SQLite keeps no offset): compare in UTC.
        waiting = ((deliveries.c.status == store.DEFERRED) & (deliveries.c.channel == prefs.EMAIL)
                   & (deliveries.c.created_at <= slot.astimezone(UTC)))
        with session_factory() as session:
            members = session.execute(select(deliveries.c.recipient_member_id).distinct()
                                      .where(waiting)).scalars().all()
        built = 0
        for member_id in members:
            with session_factory.begin() as session:
                built += self._digest_for(session, member_id, waiting, slot.date(), now)
        return built

    def _digest_for(self, session, member_id: uuid.UUID, waiting, day, now: datetime) -> int:
        items = session.execute(
            select(deliveries.c.id, deliveries.c.summary, deliveries.c.organisation_id)
            .where(deliveries.c.recipient_member_id == member_id, waiting)
            .order_by(deliveries.c.id).with_for_update(skip_locked=True)).all()
        if not items:
            return 0
        digest = store.add_delivery(
            session, event_id=str(uuid.uuid5(_DIGEST_NAMESPACE, f"{member_id}/{day}")),
            event_type=DIGEST, kind=DIGEST, channel=prefs.EMAIL, recipient_key=str(member_id),
            recipient_member_id=member_id, organisation_id=items[0].organisation_id,
            status=store.PENDING, now=now,
            summary={"day": day.isoformat(), "items": [item.summary for item in items]})
        if digest is None:
            return 0  # today's digest already left
        session.execute(update(deliveries).where(deliveries.c.id.in_([i.id for i in items]))
                        .values(status=store.DIGESTED, digest_id=digest["id"], updated_at=now))
        return 1
