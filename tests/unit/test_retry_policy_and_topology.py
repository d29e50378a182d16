import pytest

from shared.messaging.consumer import RetryPolicy
from shared.messaging.topology import TOPOLOGY, Topology, topic_matches

pytestmark = pytest.mark.unit


def test_backoff_grows_exponentially_with_jitter_and_a_ceiling():
    policy = RetryPolicy(max_attempts=10, base_delay=1.0, max_delay=30.0)
    for attempts, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (6, 30.0), (9, 30.0)]:
        delays = [policy.delay(attempts) for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1, "jitter spreads retries"


def test_every_consumer_queue_is_bound_to_topic_exchanges_of_known_producers():
    for name, patterns in TOPOLOGY.subscriptions.items():
        queue = TOPOLOGY.queue(name)
        assert queue.durable
        assert {b.routing_key for b in queue.bindings} == set(patterns)
        for b in queue.bindings:
            assert b.exchange.type == "topic" and b.exchange.durable
            assert b.exchange.name == f"{b.routing_key.split('.')[0]}.events"


def test_unknown_producer_is_refused():
    with pytest.raises(KeyError):
        Topology(producers=("registry",)).exchange("castle")


@pytest.mark.parametrize(("pattern", "key", "expected"), [
    ("referrals.#", "referrals.referral.submitted", True),
    ("referrals.#", "referrals", True),
    ("referrals.#", "registry.contract.created", False),
    ("referrals.*", "referrals.referral.submitted", False),
    ("referrals.*.submitted", "referrals.referral.submitted", True),
    ("#", "anything.at.all", True),
    ("#.created", "registry.contract.created", True),
    ("registry.contract.created", "registry.contract.created", True),
    ("registry.contract.created", "registry.contract.updated", False),
])
def test_topic_patterns_match_as_an_amqp_topic_exchange_would(pattern, key, expected):
    assert topic_matches(pattern, key) is expected


def test_the_relay_sends_each_event_type_to_the_queues_bound_to_it():
    assert TOPOLOGY.queues_for("referrals.referral.submitted") == (
        "registry.indicators", "notifications.dispatch")
    assert TOPOLOGY.queues_for("registry.contract.updated") == (
        "referrals.read_models", "notifications.dispatch")
    assert TOPOLOGY.queues_for("notifications.delivery.delivered") == ()
