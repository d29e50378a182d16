"""Idempotent event consumption: exactly-once effects on top of at-least-once delivery.

`EventProcessor` holds the rules (no broker in sight, so it is tested directly):
an event's effect and its id in `processed_events` commit together; a failing
handler schedules a retry in the database (backoff with jitter, bounded), then
the event goes to the dead letters; malformed messages and unknown types go
there at once, with the reason. `EventConsumer` plugs it into kombu's
ConsumerMixin and acks only after the processor has committed.

The database being unreachable is no fault of the event: it is neither retried
in the database (which is away) nor dead-lettered. The processor lets it out, and
the consumer backs off and puts the message back in its queue.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

from kombu import Connection, Producer, Queue
from kombu.mixins import ConsumerMixin
from marshmallow import ValidationError
from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from shared.context import correlation_id
from shared.db import database_unreachable
from shared.events import Event, UnknownEventType, parse_event
from shared.logging import get_logger
from shared.messaging.schema import dead_letters, event_retries, processed_events

log = get_logger(__name__)

Handler = Callable[[Session, Event], None]


class Outcome(Enum):
    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"  # a known type this consumer has no handler for
    RETRY_SCHEDULED = "retry_scheduled"
    DEAD_LETTERED = "dead_lettered"


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    base_delay: float = 2.0
    max_delay: float = 600.0

    def delay(self, attempts: int) -> float:
        """Exponential backoff with equal jitter, after `attempts` failures."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempts - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def database_backoff(failures: int) -> float:
    """Seconds to wait after `failures` consecutive failures to reach the database."""
    return float(min(2 ** (failures - 1), 10))


class EventProcessor:
    def __init__(
        self,
        *,
        consumer: str,
        session_factory: sessionmaker[Session],
        handlers: Mapping[str, Handler],
        retry_policy: RetryPolicy = RetryPolicy(),
        clock: Callable[[], datetime] = _utcnow,
    ):
        self.consumer = consumer
        self.session_factory = session_factory
        self.handlers = dict(handlers)
        self.retry_policy = retry_policy
        self.clock = clock

    # -- a received message ------------------------------------------------------
    def process(self, body: Any) -> Outcome:
        """Process one received body (already JSON-decoded, or raw text/bytes)."""
        raw = body if isinstance(body, str | bytes) else json.dumps(body)
        try:
            event = parse_event(body)
        except UnknownEventType as exc:
            return self._dead_letter(raw, "unknown_type", f"no schema for {exc.args[0]}", body)
        except ValidationError as exc:
            return self._dead_letter(raw, "malformed", json.dumps(exc.messages), body)
        handler = self.handlers.get(event.type)
        if handler is None:
            return Outcome.IGNORED
        try:
            return self._apply(handler, event)
        except Exception as exc:
            if database_unreachable(exc):
                raise  # the consumer requeues it: no attempt spent, nothing to record
            log.warning("consumer.handler_failed", consumer=self.consumer,
                        event_id=event.id, type=event.type, error=type(exc).__name__)
            return self._after_failure(event.id, raw, attempts=1, error=exc)

    def process_batch(self, bodies: list) -> list[Outcome]:
        """Process received bodies in ONE transaction, each in its own savepoint: one
        commit (one WAL flush) for the batch. A handler failing rolls back to its
        savepoint only, and is retried or dead-lettered after the commit as in
        `process`. The database away fails the whole batch (nothing committed)."""
        outcomes: list[Outcome | None] = [None] * len(bodies)
        todo = []
        for index, body in enumerate(bodies):
            raw = body if isinstance(body, str | bytes) else json.dumps(body)
            try:
                event = parse_event(body)
            except UnknownEventType as exc:
                outcomes[index] = self._dead_letter(raw, "unknown_type",
                                                    f"no schema for {exc.args[0]}", body)
                continue
            except ValidationError as exc:
                outcomes[index] = self._dead_letter(raw, "malformed", json.dumps(exc.messages),
                                                    body)
                continue
            handler = self.handlers.get(event.type)
            if handler is None:
                outcomes[index] = Outcome.IGNORED
            else:
                todo.append((index, handler, event, raw))
        failed = []
        if todo:
            with self.session_factory.begin() as session:
                for index, handler, event, raw in todo:
                    try:
                        with session.begin_nested():
                            outcomes[index] = self._apply_in(session, handler, event)
                    except Exception as exc:
                        if database_unreachable(exc):
                            raise
                        failed.append((index, event, raw, exc))
        for index, event, raw, exc in failed:
            log.warning("consumer.handler_failed", consumer=self.consumer,
                        event_id=event.id, type=event.type, error=type(exc).__name__)
            outcomes[index] = self._after_failure(event.id, raw, attempts=1, error=exc)
        return outcomes

    def _apply(self, handler: Handler, event: Event, *, from_retry: bool = False) -> Outcome:
        with self.session_factory.begin() as session:
            return self._apply_in(session, handler, event, from_retry=from_retry)

    def _apply_in(self, session: Session, handler: Handler, event: Event, *,
                  from_retry: bool = False) -> Outcome:
        token = correlation_id.set(event.correlationid or event.id)
        try:
            if from_retry:
                # The retry row goes with the effect, or with the finding that a
                # redelivery already had it (else it would be retried forever).
                session.execute(delete(event_retries).where(
                    event_retries.c.consumer == self.consumer,
                    event_retries.c.event_id == event.id,
                ))
            if not self._claim(session, event.id):
                log.info("consumer.duplicate_skipped", consumer=self.consumer,
                         event_id=event.id)
                return Outcome.DUPLICATE
            handler(session, event)
            return Outcome.PROCESSED
        finally:
            correlation_id.reset(token)

    def _claim(self, session: Session, event_id: str) -> bool:
        """Record the event as processed; False if it already was (a redelivery)."""
        dialect = session.get_bind().dialect.name
        dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        result = session.execute(
            dialect_insert(processed_events)
            .values(consumer=self.consumer, event_id=event_id, processed_at=self.clock())
            .on_conflict_do_nothing()
            .returning(processed_events.c.event_id)
        )
        # rowcount is not reliable for INSERT .. ON CONFLICT across drivers; RETURNING is.
        return result.first() is not None

    # -- failures -------------------------------------------------------------
    def _after_failure(self, event_id: str, raw, *, attempts: int, error: Exception) -> Outcome:
        detail = f"{type(error).__name__}: {error}"[:2000]
        if attempts >= self.retry_policy.max_attempts:
            with self.session_factory.begin() as session:
                session.execute(delete(event_retries).where(
                    event_retries.c.consumer == self.consumer,
                    event_retries.c.event_id == event_id,
                ))
                self._insert_dead_letter(session, raw, "handler_failed", detail, attempts)
            log.error("consumer.dead_lettered", consumer=self.consumer, event_id=event_id,
                      reason="handler_failed", attempts=attempts)
            return Outcome.DEAD_LETTERED
        due = self.clock() + timedelta(seconds=self.retry_policy.delay(attempts))
        with self.session_factory.begin() as session:
            updated = session.execute(
                update(event_retries)
                .where(event_retries.c.consumer == self.consumer,
                       event_retries.c.event_id == event_id)
                .values(attempts=attempts, next_attempt_at=due, last_error=detail)
            ).rowcount
            if not updated:
                session.execute(insert(event_retries).values(
                    consumer=self.consumer, event_id=event_id, envelope=_text(raw),
                    attempts=attempts, next_attempt_at=due, last_error=detail,
                    created_at=self.clock(),
                ))
        return Outcome.RETRY_SCHEDULED

    def process_due_retries(self, limit: int = 100) -> int:
        """Give due retries another attempt; return how many were attempted."""
        with self.session_factory() as session:
            due = session.execute(
                select(event_retries.c.event_id)
                .where(event_retries.c.consumer == self.consumer,
                       event_retries.c.next_attempt_at <= self.clock())
                .order_by(event_retries.c.next_attempt_at)
                .limit(limit)
            ).scalars().all()
        for event_id in due:
            self._retry_one(event_id)
        return len(due)

    def _retry_one(self, event_id: str) -> Outcome | None:
        with self.session_factory() as session:
            row = session.execute(
                select(event_retries.c.envelope, event_retries.c.attempts)
                .where(event_retries.c.consumer == self.consumer,
                       event_retries.c.event_id == event_id)
            ).first()
        if row is None:  # another worker took it
            return None
        try:
            event = parse_event(json.loads(row.envelope))
        except (UnknownEventType, ValidationError, ValueError) as exc:
            with self.session_factory.begin() as session:
                session.execute(delete(event_retries).where(
                    event_retries.c.consumer == self.consumer,
                    event_retries.c.event_id == event_id))
                self._insert_dead_letter(session, row.envelope, "malformed", str(exc), row.attempts)
            return Outcome.DEAD_LETTERED
        handler = self.handlers.get(event.type)
        if handler is None:
            self._drop_retry(event_id)
            return Outcome.IGNORED
        try:
            # The retry row is deleted in the same transaction as the effect.
            return self._apply(handler, event, from_retry=True)
        except Exception as exc:
            if database_unreachable(exc):
                raise  # the row stays due; the retry loop backs off
            return self._after_failure(event_id, row.envelope, attempts=row.attempts + 1, error=exc)

    def _drop_retry(self, event_id: str) -> None:
        with self.session_factory.begin() as session:
            session.execute(delete(event_retries).where(
                event_retries.c.consumer == self.consumer, event_retries.c.event_id == event_id))

    def _dead_letter(self, raw, reason: str, error: str, body: Any) -> Outcome:
        with self.session_factory.begin() as session:
            self._insert_dead_letter(session, raw, reason, error, attempts=0, body=body)
        log.error("consumer.dead_lettered", consumer=self.consumer, reason=reason)
        return Outcome.DEAD_LETTERED

    def _insert_dead_letter(self, session: Session, raw, reason: str, error: str,
                            attempts: int, body: Any = None) -> None:
        parsed = body if isinstance(body, dict) else _try_json(raw)
        session.execute(insert(dead_letters).values(
            consumer=self.consumer,
            event_id=str(parsed.get("id"))[:36] if parsed.get("id") else None,
            event_type=str(parsed.get("type"))[:200] if parsed.get("type") else None,
            envelope=_text(raw),
            reason=reason,
            error=error[:2000],
            attempts=attempts,
            created_at=self.clock(),
        ))


def _text(raw) -> str:
    """The body as storable text: undecodable bytes and NULs (PostgreSQL refuses them) escaped."""
    text = raw.decode("utf-8", "backslashreplace") if isinstance(raw, bytes) else str(raw)
    return text.replace("\x00", "\\x00")


def _try_json(raw) -> dict:
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


class EventConsumer(ConsumerMixin):
    """Consumes one queue with an EventProcessor; acks after the effect is committed.

    Messages are taken in batches: each one received is held (unacked), the consumer
    takes what else is waiting, up to `prefetch_count`, then processes them in one
    transaction (`EventProcessor.process_batch`) and acks them all after its commit.
    A crash anywhere before the acks leaves them all unacked: redelivered, and
    recognised by `processed_events`.

    Between messages (`on_iteration`) it runs due retries and touches a
    heartbeat file that the container healthcheck reads. While the database is
    unreachable it waits `backoff(failures)` seconds (cut short by `stop()`) before
    putting each message back in its queue, and spaces out the retry runs likewise.
    """

    def __init__(
        self,
        *,
        connection: Connection,
        queue: Queue,
        processor: EventProcessor,
        prefetch_count: int = 16,
        retry_every: float = 0.5,
        heartbeat_file: str | None = None,
        exchanges: tuple = (),
        backoff: Callable[[int], float] = database_backoff,
    ):
        self.connection = connection
        # Every exchange of the topology, declared on the consuming channel: kombu's
        # Redis transport restores another worker's abandoned messages through this
        # channel, and treats an exchange it has not declared as direct (lost message).
        self.exchanges = tuple(exchanges)
        self.queue = queue
        self.processor = processor
        self.prefetch_count = prefetch_count
        self.retry_every = retry_every
        self.heartbeat_file = Path(heartbeat_file) if heartbeat_file else None
        self.backoff = backoff
        self._last_tick = 0.0
        self._message_failures = 0  # consecutive messages that met the database away
        self._retry_failures = 0
        self._retries_paused_until = 0.0
        self._held: list = []  # received, not yet processed: (body, message)
        self._bound_queue: Queue | None = None  # the queue on the consuming channel
        self.stopped = threading.Event()

    def get_consumers(self, Consumer, channel):  # noqa: N803  (kombu's signature)
        for exchange in self.exchanges:
            exchange(channel).declare()
        self._bound_queue = self.queue(channel)
        return [Consumer(
            queues=[self.queue],
            callbacks=[self.on_message],
            accept=["json"],
            prefetch_count=self.prefetch_count,
            on_decode_error=self.on_decode_error,
        )]

    def on_message(self, body, message) -> None:
        self._held.append((body, message))

    def on_decode_error(self, message, exc) -> None:
        self._held.append((message.body, message))  # dead-lettered as malformed

    def _take_waiting(self) -> None:
        """Take what is already waiting in the queue, up to a batch.

        With a non-blocking RPOP (basic_get), not another drain: a drain that finds
        nothing leaves its BRPOP pending while the batch is processed, and a message
        Redis hands to it then is lost if the process is killed before reading it.
        """
        while self._held and len(self._held) < self.prefetch_count and not self.should_stop:
            message = self._bound_queue.get(no_ack=False, accept=["json"])
            if message is None:
                return
            try:
                self._held.append((message.decode(), message))
            except Exception:  # noqa: BLE001  (undecodable: dead-lettered as malformed)
                self._held.append((message.body, message))

    def _process_held(self) -> None:
        held, self._held = self._held, []
        if not held:
            return
        try:
            self.processor.process_batch([body for body, _ in held])
        except Exception as exc:
            if not database_unreachable(exc):
                # This leaves the process (kombu's loop only survives broker errors):
                # the messages stay unacked and come back after the visibility
                # timeout, to a worker that its supervisor restarted.
                raise
            self._message_failures += 1
            delay = self.backoff(self._message_failures)
            log.warning("consumer.database_unavailable", consumer=self.processor.consumer,
                        messages=len(held), error=type(exc.orig).__name__, requeue_in=delay)
            self._pause(delay)
            for _, message in held:
                self._requeue(message)
            return
        self._message_failures = 0
        for _, message in held:
            message.ack()
        self.processed(len(held))

    def processed(self, count: int) -> None:
        """Called after each batch is committed and acked (a seam for measurements)."""

    def _pause(self, seconds: float) -> None:
        """Sleep, in steps short enough that `stop()` is heard within a tenth of a second.

        Not an Event.wait: stop() runs in a signal handler on this same thread, and
        Event.set() there would deadlock if the signal landed inside Event.wait().
        """
        deadline = time.monotonic() + seconds
        while not self.should_stop and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, 0.1))

    def _requeue(self, message) -> None:
        """Put the message back at the tail of this consumer's queue, and of no other.

        Not `message.requeue()`: kombu's Redis transport restores it through its
        exchange, so every queue bound to its routing key (the other services'
        consumers) would get a copy too. The anonymous exchange routes by queue
        name. Published before the ack: a crash in between makes a duplicate, which
        `processed_events` recognises, never a loss.
        """
        Producer(message.channel).publish(
            message.body, exchange="", routing_key=self.queue.name,
            content_type=message.content_type, content_encoding=message.content_encoding,
            headers=message.headers, delivery_mode=2)
        message.ack()

    def on_iteration(self) -> None:
        # Called by ConsumerMixin before each wait for a message: the batch received
        # by the previous wait is completed and processed here.
        self._take_waiting()
        self._process_held()
        now = time.monotonic()
        if now - self._last_tick < self.retry_every:
            return
        self._last_tick = now
        if now >= self._retries_paused_until:
            self._run_due_retries(now)
        if self.heartbeat_file:
            self.heartbeat_file.touch()

    def _run_due_retries(self, now: float) -> None:
        try:
            self.processor.process_due_retries()
        except Exception as exc:  # whatever it is, the next run tries again
            if database_unreachable(exc):
                self._retry_failures += 1
                self._retries_paused_until = now + self.backoff(self._retry_failures)
            log.warning("consumer.retry_loop_failed", consumer=self.processor.consumer,
                        error=type(exc).__name__)
            return
        self._retry_failures = 0

    def on_consume_ready(self, connection, channel, consumers, **kwargs) -> None:
        log.info("consumer.ready", queue=self.queue.name)

    def stop(self) -> None:
        """Stop after the message in hand (safe from a signal handler): a backoff
        pause ends at once and its message goes back to the queue."""
        self.should_stop = True
