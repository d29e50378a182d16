"""The CloudEvents 1.0 envelope every Relais event travels in.

`new_event` builds an event (validating its data against the schema registered
for its type); `parse_event` turns a received body back into an `Event`.
Events carry ids, categories, communes, organisations, statuses and dates only:
never a person's identity (see PRIVACY.md).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from shared.context import current_correlation_id
from shared.events.catalog import UnknownEventType, schema_for

TYPE_PATTERN = r"^[a-z][a-z_]*\.[a-z][a-z_]*\.[a-z][a-z_]*$"


@dataclass(frozen=True)
class Event:
    type: str
    source: str
    data: dict[str, Any]
    subject: str | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    correlationid: str | None = None
    specversion: str = "1.0"
    datacontenttype: str = "application/json"

    @property
    def producer(self) -> str:
        """The producing service, which is also the first segment of the type."""
        return self.type.split(".", 1)[0]


class EnvelopeSchema(Schema):
    """CloudEvents attributes. Unknown extension attributes are ignored
    (tolerant reader), the data is checked separately against its type's schema."""

    class Meta:
        unknown = EXCLUDE

    specversion = fields.String(required=True, validate=validate.Equal("1.0"))
    id = fields.UUID(required=True)
    source = fields.String(required=True, validate=validate.Regexp(r"^/services/[a-z_]+$"))
    type = fields.String(required=True, validate=validate.Regexp(TYPE_PATTERN))
    time = fields.AwareDateTime(required=True, default_timezone=UTC)
    subject = fields.String(allow_none=True, load_default=None)
    datacontenttype = fields.String(load_default="application/json")
    correlationid = fields.String(allow_none=True, load_default=None)
    data = fields.Dict(required=True)


_envelope_schema = EnvelopeSchema()


def new_event(
    type: str,
    data: dict[str, Any],
    *,
    subject: str | None = None,
    correlation_id: str | None = None,
) -> Event:
    """An event of a registered type; its data is validated now, at the producer."""
    schema = schema_for(type)
    # Load what would go on the wire, exactly as a consumer will (defaults included).
    loaded = schema.load(schema.dump(data))
    return Event(
        type=type,
        source=f"/services/{type.split('.', 1)[0]}",
        data=schema.dump(loaded),
        subject=subject,
        correlationid=correlation_id or current_correlation_id(),
    )


def to_envelope(event: Event) -> dict[str, Any]:
    """The JSON-ready envelope of an event."""
    return {
        "specversion": event.specversion,
        "id": event.id,
        "source": event.source,
        "type": event.type,
        "time": event.time.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "subject": event.subject,
        "datacontenttype": event.datacontenttype,
        "correlationid": event.correlationid,
        "data": event.data,
    }


def parse_event(envelope: Any) -> Event:
    """Load a received envelope. Raises ValidationError when the envelope or its
    data is malformed, UnknownEventType when no schema is registered for its type."""
    if not isinstance(envelope, dict):
        raise ValidationError({"_schema": ["envelope is not a JSON object"]})
    attrs = _envelope_schema.load(envelope)
    schema = schema_for(attrs["type"])
    data = schema.load(attrs["data"])
    return Event(
        type=attrs["type"],
        source=attrs["source"],
        data=schema.dump(data),
        subject=attrs["subject"],
        id=str(attrs["id"]),
        time=attrs["time"],
        correlationid=attrs["correlationid"],
        datacontenttype=attrs["datacontenttype"],
    )


__all__ = ["Event", "EnvelopeSchema", "UnknownEventType", "new_event", "parse_event", "to_envelope"]
