"""Fault 6: poison events published straight into the consumers' queues while the
stream goes on: an undecodable body and an envelope that fails its schema are
dead-lettered at once; schema-valid events whose handler fails every time (a version
beyond PostgreSQL's integer) are retried, then dead-lettered; everything else flows."""

import json
import time
import uuid
from datetime import UTC, datetime

import pytest
from kombu import Producer
from sqlalchemy import select

from shared.events import new_event, to_envelope
from shared.messaging.schema import dead_letters
from shared.messaging.topology import TOPOLOGY, broker_connection
from shared.testing.servers import wait_until
from tests.faults.effects import count, settle
from tests.faults.system import FAST, PREFIX
from tests.faults.traffic import Traffic

pytestmark = pytest.mark.faults
TOO_BIG = 2**40  # a valid version for the schema, out of range for an INTEGER column
MARK = "faults-poison-undecodable"


def poisons() -> list[tuple[str, object]]:
    """(routing key, body) of each poison; a dict is sent as JSON, bytes as they are."""
    malformed = to_envelope(new_event("referrals.referral.submitted", _referral(1)))
    malformed["data"]["id"] = "not-a-uuid"
    return [
        ("referrals.referral.submitted", f'{{"{MARK}": '.encode()),  # not JSON
        ("referrals.referral.submitted", malformed),
        ("referrals.referral.submitted",
         to_envelope(new_event("referrals.referral.submitted", _referral(TOO_BIG)))),
        ("registry.meeting.scheduled", to_envelope(new_event("registry.meeting.scheduled", {
            "id": uuid.uuid4(), "version": TOO_BIG, "contract_id": uuid.uuid4(),
            "body_id": uuid.uuid4(), "body_name": "Comité de pilotage (panne)",
            "starts_at": datetime(2027, 1, 5, 9, tzinfo=UTC), "member_ids": []}))),
    ]


def _referral(version: int) -> dict:
    return {"id": uuid.uuid4(), "version": version, "beneficiary_id": uuid.uuid4(),
            "need_category": "access_to_rights", "commune": "97408", "urgency": "normal",
            "status": "requested", "referrer_member_id": uuid.uuid4(),
            "referrer_organisation_id": uuid.uuid4(), "receiving_organisation_id": uuid.uuid4(),
            "occurred_at": datetime.now(UTC)}


def publish(system, routing_key: str, body) -> None:
    exchange = TOPOLOGY.exchange_for_type(routing_key)
    with broker_connection(system.broker.url, visibility_timeout=3,
                           key_prefix=PREFIX) as connection:
        producer = Producer(connection)
        if isinstance(body, bytes):
            producer.publish(body, exchange=exchange, routing_key=routing_key,
                             declare=[exchange], content_type="application/json",
                             content_encoding="utf-8", delivery_mode=2)
        else:
            producer.publish(json.loads(json.dumps(body)), exchange=exchange,
                             routing_key=routing_key, declare=[exchange], serializer="json",
                             delivery_mode=2)


def dead(system, since: datetime) -> dict[str, list[tuple]]:
    found = {}
    for service, engine in system.engines.items():
        with engine.connect() as conn:
            found[service] = sorted(
                (r.consumer, r.reason, r.attempts, r.event_type or "?") for r in conn.execute(
                    select(dead_letters).where(dead_letters.c.created_at >= since)))
    return found


def test_poison_events_are_retried_dead_lettered_and_the_rest_flows(system):
    name = "poison events"
    since = datetime.now(UTC)
    traffic = Traffic(system, name, rate=4.0).start()
    attempts = int(FAST["RELAIS_RETRY_MAX_ATTEMPTS"])
    expected = {
        "registry": [("registry.indicators", "handler_failed", attempts,
                      "referrals.referral.submitted"),
                     ("registry.indicators", "malformed", 0, "?"),
                     ("registry.indicators", "malformed", 0, "referrals.referral.submitted")],
        "notifications": [("notifications.dispatch", "handler_failed", attempts,
                           "registry.meeting.scheduled"),
                          ("notifications.dispatch", "malformed", 0, "?"),
                          ("notifications.dispatch", "malformed", 0,
                           "referrals.referral.submitted")],
        "referrals": [],
    }
    try:
        traffic.wait_for(5)
        for routing_key, body in poisons():
            publish(system, routing_key, body)
        published_at = time.monotonic()
        wait_until(lambda: dead(system, since) == expected, timeout=60, interval=0.3,
                   message="the poisons dead-lettered")
        dead_lettered_after = time.monotonic() - published_at
        traffic.wait_for(len(traffic.ids) + 10)
    finally:
        traffic.stop()
    print(f"\n[{name}] dead letters after {dead_lettered_after:.1f}s: "
          f"{ {s: len(v) for s, v in dead(system, since).items()} }")
    effects = settle(system, traffic, name, recovered_at=published_at, bound=60)
    assert effects.by_kind()["delivered"].lost == 0
    assert count(system, traffic).lost == 0
