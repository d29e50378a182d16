"""Request and response bodies of the contracts endpoints."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from services.registry.domain.contracts import PARTNER_ROLES, STATUSES, Invalid, parse_generation

MAX_COMMUNES = 2000  # a département has up to ~900 communes
CODE = validate.Length(1, 10)


class GenerationField(fields.Field):
    """2 or "CLS2" in, 2 out."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValidationError("Génération attendue comme 2 ou « CLS2 ».")
        try:
            generation = parse_generation(value)
        except Invalid as exc:
            raise ValidationError(exc.errors[0][1]) from None
        if not 1 <= generation <= 99:
            raise ValidationError("La génération va de 1 à 99.")
        return generation

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class AmendmentSchema(Schema):
    signed_on = fields.Date(required=True)
    title = fields.String(required=True, validate=validate.Length(1, 300))
    summary = fields.String(load_default="", validate=validate.Length(max=5000))


class PartnerSchema(Schema):
    organisation_id = fields.UUID(required=True)
    role = fields.String(required=True, validate=validate.OneOf(PARTNER_ROLES))


class _ContractFields(Schema):
    name = fields.String(validate=validate.Length(1, 300))
    communes = fields.List(fields.String(validate=CODE), validate=validate.Length(max=MAX_COMMUNES),
                           metadata={"description": "INSEE codes of the territory."})
    epcis = fields.List(fields.String(validate=CODE), validate=validate.Length(max=100),
                        metadata={"description": "EPCI codes (SIREN): their communes are added "
                                                 "to the territory."})
    status = fields.String(validate=validate.OneOf(STATUSES))
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    generation = GenerationField(allow_none=True, metadata={"description": "2 or \"CLS2\"."})
    predecessor_id = fields.UUID(allow_none=True)
    signed_on = fields.Date(allow_none=True)
    amendments = fields.List(fields.Nested(AmendmentSchema), validate=validate.Length(max=100))
    partners = fields.List(fields.Nested(PartnerSchema), validate=validate.Length(max=200))
    coordinator_member_id = fields.UUID(allow_none=True)
    fallback_organisation_id = fields.UUID(
        allow_none=True, metadata={"description": "Receives a need no routing rule matches."})
    reminder_after_days = fields.Integer(validate=validate.Range(1, 365))
    expire_after_days = fields.Integer(validate=validate.Range(1, 3650))


class ContractCreateSchema(_ContractFields):
    name = fields.String(required=True, validate=validate.Length(1, 300))
    communes = fields.List(fields.String(validate=CODE), load_default=list,
                           validate=validate.Length(max=MAX_COMMUNES))
    epcis = fields.List(fields.String(validate=CODE), load_default=list,
                        validate=validate.Length(max=100))


class ContractPatchSchema(_ContractFields):
    """Only the fields sent change. A territory sent (`communes` and/or `epcis`)
    replaces the whole territory."""


class ContractSchema(_ContractFields):
    id = fields.UUID()
    version = fields.Integer()


class ContractQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    commune = fields.String(validate=CODE, metadata={"description": "Contracts covering it."})
    after = fields.UUID(metadata={"description": "Cursor: the last id of the previous page."})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class ContractPageSchema(Schema):
    items = fields.List(fields.Nested(ContractSchema))
    next = fields.UUID(allow_none=True)
