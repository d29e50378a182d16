"""Events published by the referrals service (`referrals.*`).

They carry ids, categories, communes, organisations, statuses and dates only:
never a beneficiary's name, birth date, contact or the need's description
(PRIVACY.md). `beneficiary_id` is a random pseudonymous id, enough to count
distinct beneficiaries.
"""

from marshmallow import EXCLUDE, Schema, fields, validate

from shared.events.catalog import event_type
from shared.events.registry import CATEGORY_CODE, INSEE_CODE

STATUSES = ("requested", "accepted", "rejected", "in-progress", "on-hold", "completed",
            "failed", "cancelled", "expired")
URGENCIES = ("normal", "urgent")

REFERRAL_EVENT_TYPES = tuple(f"referrals.referral.{verb}" for verb in (
    "submitted",   # created, routed (status requested)
    "accepted", "rejected", "started", "held", "resumed", "completed", "failed",
    "cancelled",   # by the referrer
    "expired",     # no answer in time
    "redirected",  # to another organisation, with a reason
    "assigned",    # to a handler of the receiving organisation
    "reminded",    # still no answer after the contract's reminder delay
))


@event_type(*REFERRAL_EVENT_TYPES)
class ReferralChangedSchema(Schema):
    """The referral's state after the change, and who made it."""

    class Meta:
        unknown = EXCLUDE

    id = fields.UUID(required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    contract_id = fields.UUID(allow_none=True, load_default=None)
    action_id = fields.UUID(allow_none=True, load_default=None)
    pathway_id = fields.UUID(allow_none=True, load_default=None)
    pathway_run_id = fields.UUID(allow_none=True, load_default=None)
    step_position = fields.Integer(allow_none=True, load_default=None)
    beneficiary_id = fields.UUID(required=True)
    need_category = fields.String(required=True, validate=CATEGORY_CODE)
    commune = fields.String(required=True, validate=INSEE_CODE)
    urgency = fields.String(required=True, validate=validate.OneOf(URGENCIES))
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    previous_status = fields.String(allow_none=True, load_default=None,
                                    validate=validate.OneOf(STATUSES))
    referrer_member_id = fields.UUID(required=True)
    referrer_organisation_id = fields.UUID(required=True)
    receiving_organisation_id = fields.UUID(required=True)
    previous_organisation_id = fields.UUID(allow_none=True, load_default=None)
    assignee_member_id = fields.UUID(allow_none=True, load_default=None)
    actor_member_id = fields.UUID(allow_none=True, load_default=None)  # None: the system
    reason_code = fields.String(allow_none=True, load_default=None)
    outcome_code = fields.String(allow_none=True, load_default=None)
    occurred_at = fields.AwareDateTime(required=True)


@event_type("referrals.message.shared")
class MessageSharedSchema(Schema):
    """A message shared between the referrer and the handlers (its text stays in referrals)."""

    class Meta:
        unknown = EXCLUDE

    id = fields.UUID(required=True)
    referral_id = fields.UUID(required=True)
    author_member_id = fields.UUID(required=True)
    author_organisation_id = fields.UUID(required=True)
    referrer_member_id = fields.UUID(required=True)
    referrer_organisation_id = fields.UUID(required=True)
    receiving_organisation_id = fields.UUID(required=True)
    assignee_member_id = fields.UUID(allow_none=True, load_default=None)
    urgency = fields.String(required=True, validate=validate.OneOf(URGENCIES))
    occurred_at = fields.AwareDateTime(required=True)
