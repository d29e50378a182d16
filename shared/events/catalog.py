"""The registry of event types: one marshmallow schema per type, owned by its producer.

Producer modules (`shared.events.registry`, ...) register their schemas on import;
`shared.events` imports them all so that every process knows every type.
"""

from __future__ import annotations

from marshmallow import Schema

_SCHEMAS: dict[str, Schema] = {}


class UnknownEventType(LookupError):
    """No schema is registered for this event type."""


def event_type(*names: str):
    """Class decorator registering a data schema for one or more event types."""

    def register(schema_cls: type[Schema]) -> type[Schema]:
        for name in names:
            if name in _SCHEMAS:
                raise ValueError(f"event type {name} registered twice")
            _SCHEMAS[name] = schema_cls()
        return schema_cls

    return register


def schema_for(type_name: str) -> Schema:
    try:
        return _SCHEMAS[type_name]
    except KeyError:
        raise UnknownEventType(type_name) from None


def known_types() -> list[str]:
    return sorted(_SCHEMAS)
