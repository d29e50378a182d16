"""The registry's worker: relays its outbox, consumes referral events.

Indicators computed from referrals arrive with the referrals service; until
then the queue is consumed and its events acknowledged as ignored.
"""

from shared.messaging.worker import run_worker

QUEUE = "registry.indicators"
HANDLERS: dict = {}


def run(settings) -> None:
    run_worker(settings, queue=QUEUE, handlers=HANDLERS)
