"""Events published by the registry service (`registry.*`)."""

from marshmallow import EXCLUDE, Schema, fields, validate

from shared.events.catalog import event_type

ORGANISATION_KINDS = (
    "ars", "ccas", "cias", "cpts", "msp", "clsm", "dac", "sport_health_house",
    "cpam", "msa", "hospital", "department", "association", "other",
)


@event_type("registry.organisation.created", "registry.organisation.updated")
class OrganisationChangedSchema(Schema):
    """An organisation as read models need it. `version` orders changes:
    a read model applies an event only if it is newer than what it holds."""

    class Meta:
        unknown = EXCLUDE

    id = fields.UUID(required=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    kind = fields.String(required=True, validate=validate.OneOf(ORGANISATION_KINDS))
    active = fields.Boolean(required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
