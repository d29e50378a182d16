"""Every event a producer emits loads in its consumers' schemas and reaches their queues."""

import json
import re

import pytest

from services.notifications import worker as notifications_worker
from services.referrals import worker as referrals_worker
from services.registry.domain.organisations import Organisation
from services.registry.store.organisations import _event as registry_organisation_event
from shared.events import known_types, parse_event, to_envelope
from shared.messaging.topology import TOPOLOGY

pytestmark = pytest.mark.unit

CONSUMERS = {referrals_worker.QUEUE: referrals_worker.HANDLERS,
             notifications_worker.QUEUE: notifications_worker.HANDLERS}


def _matches(pattern: str, routing_key: str) -> bool:
    regex = re.escape(pattern).replace(r"\#", ".*").replace(r"\*", "[^.]+")
    return re.fullmatch(regex, routing_key) is not None


def emitted_by_registry():
    organisation = Organisation(name="CCAS d'Aurillac", kind="ccas")
    return [registry_organisation_event(organisation, "created"),
            registry_organisation_event(organisation.changed(active=False), "updated")]


@pytest.mark.parametrize("event", emitted_by_registry(), ids=lambda e: e.type)
def test_registry_events_load_in_consumers_and_are_routed_to_their_queues(event):
    wire = json.loads(json.dumps(to_envelope(event)))
    assert parse_event(wire) == event
    for queue, handlers in CONSUMERS.items():
        if event.type in handlers:
            patterns = TOPOLOGY.subscriptions[queue]
            assert any(_matches(p, event.type) for p in patterns), f"{queue} never gets it"


def test_every_handled_type_is_a_known_type():
    for handlers in CONSUMERS.values():
        assert set(handlers) <= set(known_types())
