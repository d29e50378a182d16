"""The notifications worker: keeps read models of the registry, turns events into
inbox items and deliveries, relays its outbox, and runs the dispatcher's periodic
tasks (due deliveries, daily digests)."""

from services.notifications import notify
from services.notifications.dispatch import Dispatcher
from services.notifications.store import directory
from services.notifications.store.tables import organisation_directory
from shared.messaging.worker import run_worker
from shared.readmodel import organisation_handlers

QUEUE = "notifications.dispatch"


HANDLERS = {
    **organisation_handlers(organisation_directory),
    "registry.member.created": directory.apply_member_changed,
    "registry.member.updated": directory.apply_member_changed,
    "registry.member.deleted": directory.apply_member_deleted,
    "registry.contract.created": directory.apply_contract_changed,
    "registry.contract.updated": directory.apply_contract_changed,
    "registry.need_category.created": directory.apply_need_category_changed,
    "registry.need_category.updated": directory.apply_need_category_changed,
    # referral, message and meeting events: recipients, inbox items, deliveries
    **notify.handlers(),
}


def run(settings) -> None:
    run_worker(settings, queue=QUEUE, handlers=HANDLERS,
               periodic=Dispatcher(settings).tasks())
