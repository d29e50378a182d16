"""The referrals worker: relays its outbox and keeps its read models from registry events."""

from services.referrals.store.tables import organisation_directory
from shared.messaging.worker import run_worker
from shared.readmodel import organisation_handler

QUEUE = "referrals.read_models"
apply_organisation_changed = organisation_handler(organisation_directory)
HANDLERS = {
    "registry.organisation.created": apply_organisation_changed,
    "registry.organisation.updated": apply_organisation_changed,
}


def run(settings) -> None:
    run_worker(settings, queue=QUEUE, handlers=HANDLERS)
