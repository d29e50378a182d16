"""The notifications worker: relays its outbox and keeps its read models from registry events."""

from services.notifications.store.tables import organisation_directory
from shared.messaging.worker import run_worker
from shared.readmodel import organisation_handlers

QUEUE = "notifications.dispatch"
HANDLERS = {**organisation_handlers(organisation_directory)}


def run(settings) -> None:
    run_worker(settings, queue=QUEUE, handlers=HANDLERS)
