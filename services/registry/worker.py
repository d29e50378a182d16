"""The registry's worker: relays its outbox, consumes referral events.

Referral events keep one row per referral (its latest version) from which the
indicators marked as computed are counted per fiche action: distinct
beneficiaries, distinct referring professionals, referrals per status. The
framework records each processed event id (a redelivery is skipped) and the
row only takes a newer version (a late event changes nothing).
"""

from sqlalchemy.orm import Session

from services.registry.store.indicators import record_referral
from shared.events import Event
from shared.events.referrals import REFERRAL_EVENT_TYPES
from shared.messaging.worker import run_worker

QUEUE = "registry.indicators"


def apply_referral_changed(session: Session, event: Event) -> None:
    record_referral(session, event.data)


HANDLERS: dict = {event_type: apply_referral_changed for event_type in REFERRAL_EVENT_TYPES}


def run(settings) -> None:
    run_worker(settings, queue=QUEUE, handlers=HANDLERS)
