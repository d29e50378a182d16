"""The idempotent consumer's rules, on real PostgreSQL and SQLite (no broker needed)."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from shared.db import make_engine, make_session_factory
from shared.events import new_event, to_envelope
from shared.messaging.consumer import EventProcessor, Outcome, RetryPolicy
from shared.messaging.dead_letters import list_dead_letters, replay_dead_letter
from shared.messaging.schema import event_retries, processed_events
from tests.integration import messaging_app
from tests.integration.messaging_app import EVENT_TYPE, effects

pytestmark = pytest.mark.integration


class Clock:
    def __init__(self):
        self.now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def sessions(any_database_url):
    engine = make_engine(any_database_url)
    messaging_app.create_schema(engine)
    yield make_session_factory(engine)
    engine.dispose()


def processor(sessions, clock, handler=messaging_app.record_effect, attempts=3):
    return EventProcessor(consumer="test.effects", session_factory=sessions,
                          handlers={EVENT_TYPE: handler}, clock=clock,
                          retry_policy=RetryPolicy(max_attempts=attempts, base_delay=1,
                                                   max_delay=10))


def envelope(value=1):
    return to_envelope(new_event(EVENT_TYPE, {"value": value}))


def count(sessions, table):
    with sessions() as session:
        return session.execute(select(func.count()).select_from(table)).scalar_one()


def test_a_redelivered_event_has_its_effect_once(sessions):
    p, body = processor(sessions, Clock()), envelope()
    assert p.process(body) is Outcome.PROCESSED
    assert p.process(body) is Outcome.DUPLICATE
    assert count(sessions, effects) == 1
    assert count(sessions, processed_events) == 1


def test_a_failing_handler_rolls_back_and_retries_with_backoff(sessions):
    clock, calls = Clock(), []

    def flaky(session, event):
        calls.append(event.id)
        messaging_app.record_effect(session, event)  # written, then rolled back
        if len(calls) < 3:
            raise RuntimeError("database of a partner is away")

    p = processor(sessions, clock, flaky, attempts=5)
    assert p.process(envelope()) is Outcome.RETRY_SCHEDULED
    assert count(sessions, effects) == 0 and count(sessions, processed_events) == 0
    assert p.process_due_retries() == 0, "not due yet"
    clock.advance(1)
    assert p.process_due_retries() == 1  # second failure
    clock.advance(2)
    assert p.process_due_retries() == 1  # third call succeeds
    assert count(sessions, effects) == 1
    assert count(sessions, event_retries) == 0


def test_after_the_last_attempt_the_event_is_dead_lettered_then_replayable(sessions):
    clock, broken = Clock(), {"yes": True}

    def handler(session, event):
        if broken["yes"]:
            raise ValueError("cannot route")
        messaging_app.record_effect(session, event)

    p = processor(sessions, clock, handler, attempts=3)
    p.process(envelope())
    for _ in range(2):
        clock.advance(20)
        p.process_due_retries()
    with sessions() as session:
        (dead,) = list_dead_letters(session)
    assert (dead["reason"], dead["attempts"]) == ("handler_failed", 3)
    assert "ValueError: cannot route" in dead["error"]
    assert count(sessions, event_retries) == 0

    broken["yes"] = False
    with sessions.begin() as session:
        assert replay_dead_letter(session, dead["id"], now=clock())
        assert not replay_dead_letter(session, dead["id"], now=clock()), "replayed once only"
    assert p.process_due_retries() == 1
    assert count(sessions, effects) == 1


@pytest.mark.parametrize("body,reason", [
    (b"\x00not json", "malformed"),
    ({"specversion": "1.0", "id": "nope"}, "malformed"),
    ({**envelope(), "data": {"value": "many"}}, "malformed"),
    ({**envelope(), "type": "registry.castle.built"}, "unknown_type"),
])
def test_malformed_and_unknown_messages_go_to_the_dead_letters_with_the_reason(sessions, body,
                                                                               reason):
    p = processor(sessions, Clock())
    assert p.process(body) is Outcome.DEAD_LETTERED
    with sessions() as session:
        (dead,) = list_dead_letters(session)
    assert dead["reason"] == reason
    assert dead["envelope"], "the message is kept as it came"
    assert count(sessions, effects) == 0


def test_a_known_type_without_handler_is_ignored(sessions):
    org = {"id": "6d6bc68f-4881-4159-b0f3-317b52ed8009", "name": "CCAS", "kind": "ccas",
           "active": True, "version": 1}
    body = json.loads(json.dumps(to_envelope(new_event("registry.organisation.created", org))))
    assert processor(sessions, Clock()).process(body) is Outcome.IGNORED
    with sessions() as session:
        assert list_dead_letters(session) == []


def test_a_batch_commits_once_and_a_failing_event_rolls_back_alone(sessions):
    """One transaction, a savepoint per event: the failing one's partial effect is undone,
    the others' kept; a malformed body and a duplicate inside the batch are told apart."""
    def fails_on_two(session, event):
        messaging_app.record_effect(session, event)  # written, then rolled back to its savepoint
        if event.data["value"] == 2:
            raise RuntimeError("this one's partner is away")

    p = processor(sessions, Clock(), fails_on_two)
    one, two, three = envelope(1), envelope(2), envelope(3)
    outcomes = p.process_batch([one, two, "{not json", three, one])
    assert outcomes == [Outcome.PROCESSED, Outcome.RETRY_SCHEDULED, Outcome.DEAD_LETTERED,
                        Outcome.PROCESSED, Outcome.DUPLICATE]
    assert count(sessions, effects) == 2 and count(sessions, processed_events) == 2
    assert count(sessions, event_retries) == 1
    assert p.process_batch([one, three]) == [Outcome.DUPLICATE, Outcome.DUPLICATE]


def test_a_retry_whose_event_a_redelivery_already_processed_is_dropped(sessions):
    """A crash after scheduling the retry but before the ack: the broker redelivers and
    the effect happens; the retry row must then go, not come back forever."""
    clock, calls = Clock(), []

    def fails_once(session, event):
        calls.append(event.id)
        if len(calls) == 1:
            raise RuntimeError("first attempt fails")
        messaging_app.record_effect(session, event)

    p, body = processor(sessions, clock, fails_once), envelope()
    assert p.process(body) is Outcome.RETRY_SCHEDULED
    assert p.process(body) is Outcome.PROCESSED  # the redelivery
    clock.advance(60)
    assert p.process_due_retries() == 1
    assert count(sessions, event_retries) == 0
    assert count(sessions, effects) == 1 and len(calls) == 2
