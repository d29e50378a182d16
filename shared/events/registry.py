"""Events published by the registry service (`registry.*`).

Every entity event carries the entity's `version` (incremented on each change):
read models apply an event only if it is newer than what they hold, so late,
repeated or re-published (snapshot) events change nothing. Created and updated
events carry the whole entity, so a consumer can rebuild its read model from
them alone. Deleted events carry the id and the version of the deletion.
"""

from marshmallow import EXCLUDE, Schema, fields, validate

from shared.events.catalog import event_type

ORGANISATION_KINDS = (
    "ars", "ccas", "cias", "cpts", "msp", "clsm", "dac", "sport_health_house",
    "cpam", "msa", "hospital", "department", "association", "other",
)
INSEE_CODE = validate.Regexp(r"^(\d[\dAB]\d{3})$")  # 2A/2B for Corsica
CATEGORY_CODE = validate.Regexp(r"^[a-z][a-z0-9_]{1,49}$")


class _Entity(Schema):
    class Meta:
        unknown = EXCLUDE  # tolerant reader: producers may add fields

    id = fields.UUID(required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1))


@event_type("registry.organisation.created", "registry.organisation.updated")
class OrganisationChangedSchema(_Entity):
    """An organisation as read models need it."""

    name = fields.String(required=True, validate=validate.Length(1, 200))
    kind = fields.String(required=True, validate=validate.OneOf(ORGANISATION_KINDS))
    active = fields.Boolean(required=True)
    # INSEE codes of the communes it serves, need category codes it handles.
    communes = fields.List(fields.String(validate=INSEE_CODE), load_default=list)
    need_categories = fields.List(fields.String(validate=CATEGORY_CODE), load_default=list)


@event_type("registry.organisation.deleted", "registry.member.deleted",
            "registry.contract.deleted", "registry.action.deleted",
            "registry.routing_rule.deleted", "registry.pathway.deleted")
class EntityDeletedSchema(_Entity):
    """Deletion (or deactivation for good) of an entity: the id and the deleting version."""


@event_type("registry.member.created", "registry.member.updated")
class MemberChangedSchema(_Entity):
    """A member (a professional's account). The e-mail and display name are the
    professional's work contact, needed by notifications; never a beneficiary's data."""

    organisation_id = fields.UUID(required=True)
    roles = fields.List(fields.String(validate=validate.OneOf(
        ("referrer", "handler", "coordinator", "admin"))), required=True)
    active = fields.Boolean(required=True)
    email = fields.Email(required=True)
    display_name = fields.String(required=True, validate=validate.Length(1, 200))


@event_type("registry.contract.created", "registry.contract.updated")
class ContractChangedSchema(_Entity):
    name = fields.String(required=True, validate=validate.Length(1, 300))
    status = fields.String(required=True,
                           validate=validate.OneOf(("draft", "signed", "active", "closed")))
    communes = fields.List(fields.String(validate=INSEE_CODE), required=True)
    coordinator_member_id = fields.UUID(allow_none=True, load_default=None)
    # Where a need goes when no routing rule matches: never nowhere.
    fallback_organisation_id = fields.UUID(allow_none=True, load_default=None)
    reminder_after_days = fields.Integer(load_default=10, validate=validate.Range(min=1))
    expire_after_days = fields.Integer(load_default=30, validate=validate.Range(min=1))


@event_type("registry.action.created", "registry.action.updated")
class ActionChangedSchema(_Entity):
    """A fiche action of a contract's action plan."""

    contract_id = fields.UUID(required=True)
    code = fields.String(required=True, validate=validate.Length(1, 30))
    title = fields.String(required=True, validate=validate.Length(1, 300))
    status = fields.String(required=True)


@event_type("registry.need_category.created", "registry.need_category.updated")
class NeedCategoryChangedSchema(_Entity):
    code = fields.String(required=True, validate=CATEGORY_CODE)
    label = fields.String(required=True, validate=validate.Length(1, 200))  # French
    active = fields.Boolean(required=True)


@event_type("registry.routing_rule.created", "registry.routing_rule.updated")
class RoutingRuleChangedSchema(_Entity):
    """(communes, need category) -> receiving organisation. An empty `communes`
    means the whole territory of the contract; higher precedence wins."""

    contract_id = fields.UUID(required=True)
    communes = fields.List(fields.String(validate=INSEE_CODE), load_default=list)
    need_category = fields.String(required=True, validate=CATEGORY_CODE)
    organisation_id = fields.UUID(required=True)
    precedence = fields.Integer(load_default=0)
    active = fields.Boolean(required=True)


class PathwayStepSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    position = fields.Integer(required=True, validate=validate.Range(min=1))
    name = fields.String(required=True, validate=validate.Length(1, 200))
    need_category = fields.String(required=True, validate=CATEGORY_CODE)
    organisation_id = fields.UUID(required=True)


@event_type("registry.pathway.created", "registry.pathway.updated")
class PathwayChangedSchema(_Entity):
    """A pathway template: ordered steps, each handled by an organisation."""

    contract_id = fields.UUID(required=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    active = fields.Boolean(required=True)
    steps = fields.List(fields.Nested(PathwayStepSchema), required=True,
                        validate=validate.Length(min=1))


@event_type("registry.meeting.scheduled", "registry.meeting.updated",
            "registry.meeting.cancelled")
class MeetingChangedSchema(_Entity):
    """A governance meeting (comité de pilotage, groupe de travail...) and who sits in it."""

    contract_id = fields.UUID(required=True)
    body_id = fields.UUID(required=True)
    body_name = fields.String(required=True, validate=validate.Length(1, 200))
    starts_at = fields.AwareDateTime(required=True)
    member_ids = fields.List(fields.UUID(), load_default=list)
