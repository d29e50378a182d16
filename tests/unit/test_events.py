import json
import uuid

import pytest
from marshmallow import ValidationError

from shared.context import correlation_id
from shared.events import UnknownEventType, known_types, new_event, parse_event, to_envelope

pytestmark = pytest.mark.unit

ORGANISATION = {"id": str(uuid.uuid4()), "name": "CCAS de Créteil", "kind": "ccas",
                "active": True, "version": 1}


def test_envelope_round_trip_keeps_every_attribute():
    event = new_event("registry.organisation.created", ORGANISATION, subject=ORGANISATION["id"])
    envelope = json.loads(json.dumps(to_envelope(event)))
    assert envelope["specversion"] == "1.0"
    assert envelope["source"] == "/services/registry"
    assert envelope["time"].endswith("Z")
    assert parse_event(envelope) == event


def test_correlation_id_comes_from_the_current_request():
    token = correlation_id.set("req-42")
    try:
        event = new_event("registry.organisation.updated", ORGANISATION)
    finally:
        correlation_id.reset(token)
    assert event.correlationid == "req-42"


def test_producer_cannot_emit_invalid_data():
    with pytest.raises(ValidationError) as caught:
        new_event("registry.organisation.created", {**ORGANISATION, "kind": "castle"})
    assert "kind" in caught.value.messages


def test_unknown_type_is_refused_at_both_ends():
    with pytest.raises(UnknownEventType):
        new_event("registry.castle.built", {})
    envelope = to_envelope(new_event("registry.organisation.created", ORGANISATION))
    with pytest.raises(UnknownEventType):
        parse_event({**envelope, "type": "registry.castle.built"})


@pytest.mark.parametrize("broken", [
    "not an object",
    {"specversion": "1.0"},
    {"id": "not-a-uuid"},
    {"data": {**ORGANISATION, "version": 0}},
    {"time": "yesterday"},
])
def test_malformed_envelopes_are_validation_errors(broken):
    envelope = to_envelope(new_event("registry.organisation.created", ORGANISATION))
    body = broken if isinstance(broken, str) or "specversion" in broken and len(broken) == 1 \
        else {**envelope, **broken}
    with pytest.raises(ValidationError):
        parse_event(body)


def test_every_type_follows_the_naming_rule():
    for name in known_types():
        producer, entity, verb = name.split(".")
        if producer == "relais_test":  # the reliability tests' own type
            continue
        assert producer in {"registry", "referrals", "notifications"}
        irregular = {"held", "sent", "built"}
        assert verb.endswith("ed") or verb in irregular, f"{name}: named in the past tense"
