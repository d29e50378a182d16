"""Marshmallow fields and nested schemas the plan's resources share."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from marshmallow import Schema, ValidationError, fields, post_load, validate

from services.registry.domain.plan import InvalidPlan, Party


class Number(fields.Field):
    """A decimal number: read exactly (no float rounding), written as a JSON number."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValidationError("Nombre attendu.")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise ValidationError("Nombre attendu.") from None
        if not number.is_finite() or abs(number) >= Decimal("1e12"):
            raise ValidationError("Nombre hors limites.")
        return number

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        value = Decimal(value)
        return int(value) if value == value.to_integral_value() else float(value)


class PartySchema(Schema):
    """A pilot or carrier: `organisation_id` (a registered organisation) or `name`."""

    organisation_id = fields.UUID(allow_none=True, load_default=None)
    name = fields.String(allow_none=True, load_default=None, validate=validate.Length(1, 200))

    @post_load
    def make(self, data, **_kwargs):
        try:
            return Party(**data)
        except InvalidPlan as exc:
            raise ValidationError(str(exc), exc.field) from None
