"""The referrals worker: relays its outbox, keeps its read models from registry events,
and runs the timers (reminders, expiry, expired idempotency keys)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from services.referrals.commands import retention
from services.referrals.commands.timers import run_timers
from services.referrals.store import idempotency
from services.referrals.store.read_models import HANDLERS as READ_MODEL_HANDLERS
from services.referrals.store.tables import organisation_directory
from shared.messaging.worker import PeriodicTask, run_worker

QUEUE = "referrals.read_models"
HANDLERS = dict(READ_MODEL_HANDLERS)

__all__ = ["HANDLERS", "QUEUE", "organisation_directory", "periodic_tasks", "run"]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def periodic_tasks(settings, clock: Callable[[], datetime] = _utcnow) -> list[PeriodicTask]:
    def prune_keys(sessions):
        with sessions.begin() as session:
            return idempotency.prune(session, clock())

    def anonymise_expired(sessions):
        with sessions.begin() as session:
            return retention.anonymise(session, clock(), settings.retention_days, dry_run=False)

    tasks = [PeriodicTask("referrals.timers", settings.periodic_seconds,
                          lambda sessions: run_timers(sessions, clock)),
             PeriodicTask("referrals.idempotency_prune", 3600.0, prune_keys)]
    if settings.retention_sweep_hours > 0:
        tasks.append(PeriodicTask("referrals.anonymise", settings.retention_sweep_hours * 3600,
                                  anonymise_expired))
    return tasks


def run(settings) -> None:
    run_worker(settings, queue=QUEUE, handlers=HANDLERS, periodic=periodic_tasks(settings))
