"""Events published by the notifications service (`notifications.*`)."""

from marshmallow import EXCLUDE, Schema, fields, validate

from shared.events.catalog import event_type

CHANNELS = ("in_app", "email", "webhook")


@event_type("notifications.delivery.delivered", "notifications.delivery.failed",
            "notifications.delivery.dead_lettered")
class DeliveryChangedSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.UUID(required=True)
    event_id = fields.UUID(required=True)
    event_type = fields.String(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    recipient_member_id = fields.UUID(allow_none=True, load_default=None)
    organisation_id = fields.UUID(allow_none=True, load_default=None)
    attempts = fields.Integer(required=True, validate=validate.Range(min=0))
    occurred_at = fields.AwareDateTime(required=True)
