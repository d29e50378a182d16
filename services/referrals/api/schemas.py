"""Request and response bodies of the referrals API (unknown fields are rejected)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from marshmallow import Schema, ValidationError, fields, validate, validates

from services.referrals.domain.codes import CONSENT_METHODS, CONSENT_SCOPES
from services.referrals.domain.identity import birth_date_problem
from services.referrals.domain.workflow import STATUSES, USER_ACTIONS
from shared.events.referrals import URGENCIES
from shared.events.registry import CATEGORY_CODE, INSEE_CODE

NAME = validate.Length(1, 100)
DESCRIPTION_MAX = 2000
TEXT = validate.Length(1, 2000)


class BeneficiarySchema(Schema):
    first_name = fields.String(required=True, validate=NAME)
    last_name = fields.String(required=True, validate=NAME)
    birth_date = fields.Date(required=True)
    commune = fields.String(required=True, validate=INSEE_CODE,
                            metadata={"description": "INSEE code of residence or domiciliation"})
    phone = fields.String(validate=validate.Regexp(r"^\+?[0-9][0-9 .-]{5,28}$"),
                          load_default=None)
    email = fields.Email(validate=validate.Length(max=254), load_default=None)

    @validates("birth_date")
    def _plausible(self, value: date, **_):
        problem = birth_date_problem(value, datetime.now(UTC).date())
        if problem:
            raise ValidationError(problem)


class ConsentSchema(Schema):
    obtained_by = fields.String(required=True, validate=validate.Length(1, 200), metadata={
        "description": "The professional who obtained it (member id or name)"})
    obtained_at = fields.AwareDateTime(required=True, default_timezone=UTC)
    method = fields.String(required=True, validate=validate.OneOf(CONSENT_METHODS))
    scope = fields.String(required=True, validate=validate.OneOf(tuple(CONSENT_SCOPES)))

    @validates("obtained_at")
    def _not_future(self, value: datetime, **_):
        if value > datetime.now(UTC):
            raise ValidationError("Le consentement ne peut pas être daté dans le futur.")


class WithdrawalViewSchema(Schema):
    withdrawn_at = fields.DateTime()
    recorded_by = fields.String()
    recorded_by_member_id = fields.UUID()
    recorded_by_organisation_id = fields.UUID()
    recorded_at = fields.DateTime()
    note = fields.String(allow_none=True, metadata={
        "description": "Only for the organisation that recorded the withdrawal"})


class ConsentViewSchema(ConsentSchema):
    withdrawal = fields.Nested(WithdrawalViewSchema, allow_none=True, dump_only=True,
                               metadata={"description": "null while consent stands"})


class WithdrawalSchema(Schema):
    withdrawn_at = fields.AwareDateTime(required=True, default_timezone=UTC, metadata={
        "description": "When the person withdrew their consent (not in the future)"})
    recorded_by = fields.String(required=True, validate=validate.Length(1, 200), metadata={
        "description": "The professional who received the withdrawal (member id or name)"})
    note = fields.String(load_default=None, validate=TEXT)

    @validates("withdrawn_at")
    def _not_future(self, value: datetime, **_):
        if value > datetime.now(UTC):
            raise ValidationError("Le retrait ne peut pas être daté dans le futur.")


class IntakeSchema(Schema):
    beneficiary = fields.Nested(BeneficiarySchema, required=True)
    need_category = fields.String(required=True, validate=CATEGORY_CODE)
    description = fields.String(required=True, validate=validate.Length(1, DESCRIPTION_MAX))
    urgency = fields.String(load_default="normal", validate=validate.OneOf(URGENCIES))
    consent = fields.Nested(ConsentSchema, required=True, metadata={
        "description": "The person's consent to share: refused without it"})
    action_id = fields.UUID(load_default=None, metadata={"description": "CLS fiche action"})
    pathway_id = fields.UUID(load_default=None)


class IdentitySchema(Schema):
    first_name = fields.String()
    last_name = fields.String()
    birth_date = fields.Date()
    commune = fields.String()
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)


class NoteSchema(Schema):
    id = fields.UUID(dump_only=True)
    body = fields.String(required=True, validate=TEXT)
    author_member_id = fields.UUID(dump_only=True)
    author_organisation_id = fields.UUID(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class TransitionViewSchema(Schema):
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    actor_member_id = fields.UUID(allow_none=True)
    actor_organisation_id = fields.UUID(allow_none=True)
    reason_code = fields.String(allow_none=True)
    outcome_code = fields.String(allow_none=True)
    from_organisation_id = fields.UUID(allow_none=True)
    to_organisation_id = fields.UUID(allow_none=True)
    comment = fields.String(allow_none=True)
    occurred_at = fields.DateTime()
    version = fields.Integer()


class ReferralSummarySchema(Schema):
    id = fields.UUID()
    version = fields.Integer()
    status = fields.String()
    need_category = fields.String()
    commune = fields.String()
    urgency = fields.String()
    contract_id = fields.UUID(allow_none=True)
    action_id = fields.UUID(allow_none=True)
    pathway_id = fields.UUID(allow_none=True)
    pathway_run_id = fields.UUID(allow_none=True)
    step_position = fields.Integer(allow_none=True)
    referrer_member_id = fields.UUID()
    referrer_organisation_id = fields.UUID()
    receiving_organisation_id = fields.UUID()
    assignee_member_id = fields.UUID(allow_none=True)
    reason_code = fields.String(allow_none=True)
    outcome_code = fields.String(allow_none=True)
    submitted_at = fields.DateTime()
    first_answer_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    remind_at = fields.DateTime()
    expire_at = fields.DateTime()
    anonymised_at = fields.DateTime(allow_none=True)
    overdue = fields.Boolean()
    beneficiary = fields.Nested(IdentitySchema, allow_none=True,
                                metadata={"description": "Handlers only, in lists"})


class ReferralSchema(ReferralSummarySchema):
    description = fields.String(allow_none=True)
    reason_text = fields.String(allow_none=True)
    outcome_text = fields.String(allow_none=True)
    consent = fields.Nested(ConsentViewSchema)
    history = fields.List(fields.Nested(TransitionViewSchema))
    messages = fields.List(fields.Nested(NoteSchema))
    notes = fields.List(fields.Nested(NoteSchema), metadata={
        "description": "Internal notes: the receiving organisation only"})
    possible_duplicates = fields.List(fields.UUID(), metadata={
        "description": "Same person and need within 30 days (receiving organisation only)"})


class ReferralQuerySchema(Schema):
    status = fields.List(fields.String(validate=validate.OneOf(STATUSES)))
    need_category = fields.String(validate=CATEGORY_CODE)
    commune = fields.String(validate=INSEE_CODE)
    urgency = fields.String(validate=validate.OneOf(URGENCIES))
    contract_id = fields.UUID()
    assignee = fields.UUID()
    unassigned = fields.Boolean()
    overdue = fields.Boolean()
    submitted_from = fields.AwareDateTime(default_timezone=UTC)
    submitted_to = fields.AwareDateTime(default_timezone=UTC)
    side = fields.String(validate=validate.OneOf(("receiving", "referrer")), metadata={
        "description": "receiving (handlers, default) or referrer (what the organisation sent)"})
    after = fields.String(validate=validate.Length(1, 200),
                          metadata={"description": "Cursor: `next` of the previous page"})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
    fields_ = fields.String(data_key="fields", validate=validate.OneOf(("full", "summary")),
                            metadata={"description": "summary: items without `beneficiary`, "
                                      "no identity read (nor audited)"})
    include_identity = fields.Boolean(metadata={
        "description": "false: the same as fields=summary"})


class ReferralPageSchema(Schema):
    items = fields.List(fields.Nested(ReferralSummarySchema))
    next = fields.String(allow_none=True)


class TransitionSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(USER_ACTIONS))
    reason_code = fields.String(load_default=None, validate=validate.Length(1, 40))
    outcome_code = fields.String(load_default=None, validate=validate.Length(1, 40))
    text = fields.String(load_default=None, validate=TEXT,
                         metadata={"description": "Explains the reason or the outcome"})
    comment = fields.String(load_default=None, validate=TEXT)


class RedirectSchema(Schema):
    organisation_id = fields.UUID(required=True)
    reason = fields.String(required=True, validate=TEXT)


class CountersSchema(Schema):
    new = fields.Integer(metadata={"description": "Awaiting an answer (requested)"})
    urgent = fields.Integer(metadata={"description": "Open and urgent"})
    overdue = fields.Integer(metadata={"description": "Requested past the reminder delay"})
    assigned_to_me = fields.Integer(metadata={"description": "Open, given to the caller"})
    open = fields.Integer(metadata={"description": "requested, accepted, in-progress, on-hold"})


class AssignmentSchema(Schema):
    assignee_member_id = fields.UUID(required=True, allow_none=True)
