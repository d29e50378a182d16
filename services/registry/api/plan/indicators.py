"""Indicators of a fiche action, their current value, and hand-entered measurements."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.registry.api.plan.common import (
    PageQuerySchema,
    authorise_write,
    conflict,
    decode_cursor,
    invalid,
    next_cursor,
    not_found,
    sessions,
)
from services.registry.api.plan.fields import Number
from services.registry.domain.indicators import (
    METRICS,
    REFERRAL_STATUSES,
    SOURCES,
    Indicator,
    InvalidIndicator,
    Measurement,
    check_measurable,
)
from services.registry.store import indicators as store
from services.registry.store import plan as plan_store
from shared.auth import authenticated, current_principal, require_roles

blp = Blueprint("plan_indicators", __name__, url_prefix="/api/v1",
                description="Indicators of fiches actions and their measurements.")

MAX_INDICATORS_PER_ACTION = 50


class CurrentValueSchema(Schema):
    value = Number(allow_none=True)
    measured_at = fields.Method("_measured_at", allow_none=True,
                                metadata={"description": "Date of the latest measurement, or "
                                                         "time of the latest referral counted."})

    def _measured_at(self, current):
        return current.measured_at.isoformat() if current.measured_at else None


class IndicatorSchema(Schema):
    id = fields.UUID(dump_only=True)
    action_id = fields.UUID(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(1, 300))
    unit = fields.String(load_default="", validate=validate.Length(max=50))
    baseline = Number(allow_none=True, load_default=None)
    target = Number(allow_none=True, load_default=None)
    source = fields.String(load_default="manual", validate=validate.OneOf(SOURCES))
    metric = fields.String(allow_none=True, load_default=None, validate=validate.OneOf(METRICS))
    metric_status = fields.String(allow_none=True, load_default=None,
                                  validate=validate.OneOf(REFERRAL_STATUSES))
    version = fields.Integer(dump_only=True)
    current = fields.Nested(CurrentValueSchema, dump_only=True)


class IndicatorPatchSchema(Schema):
    name = fields.String(validate=validate.Length(1, 300))
    unit = fields.String(validate=validate.Length(max=50))
    baseline = Number(allow_none=True)
    target = Number(allow_none=True)
    source = fields.String(validate=validate.OneOf(SOURCES))
    metric = fields.String(allow_none=True, validate=validate.OneOf(METRICS))
    metric_status = fields.String(allow_none=True, validate=validate.OneOf(REFERRAL_STATUSES))


class IndicatorListSchema(Schema):
    items = fields.List(fields.Nested(IndicatorSchema))


class MeasurementSchema(Schema):
    id = fields.UUID(dump_only=True)
    indicator_id = fields.UUID(dump_only=True)
    measured_on = fields.Date(required=True)
    value = Number(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=500))


class MeasurementPageSchema(Schema):
    items = fields.List(fields.Nested(MeasurementSchema))
    next = fields.String(allow_none=True)


def with_current(session, indicators: list[Indicator]) -> list[dict]:
    current = store.current_values(session, indicators)
    return [{**i.__dict__, "current": current[i.id]} for i in indicators]


def _indicator_and_contract(session, indicator_id, *, for_update=False):
    indicator = store.get(session, indicator_id, for_update=for_update)
    if indicator is None:
        raise not_found("Indicateur")
    action = plan_store.get_action(session, indicator.action_id)
    return indicator, action.contract_id


@blp.route("/actions/<uuid:action_id>/indicators")
class ActionIndicators(MethodView):
    @authenticated
    @blp.response(200, IndicatorListSchema)
    def get(self, action_id):
        """The fiche's indicators with their current value (bounded per fiche)."""
        with sessions()() as session:
            if plan_store.get_action(session, action_id) is None:
                raise not_found("Fiche action")
            return {"items": with_current(session, store.of_actions(session, [action_id])
                                          [action_id])}

    @require_roles("admin", "coordinator")
    @blp.arguments(IndicatorSchema)
    @blp.response(201, IndicatorSchema)
    def post(self, body, action_id):
        """Add an indicator: entered by hand, or computed from the fiche's referrals."""
        with sessions().begin() as session:
            action = plan_store.get_action(session, action_id, for_update=True)
            if action is None:
                raise not_found("Fiche action")
            authorise_write(session, action.contract_id)
            if len(store.of_actions(session, [action_id])[action_id]) \
                    >= MAX_INDICATORS_PER_ACTION:
                raise conflict(f"Une fiche a au plus {MAX_INDICATORS_PER_ACTION} indicateurs.")
            try:
                indicator = Indicator(action_id=action_id, **body)
            except InvalidIndicator as exc:
                raise invalid(exc.field, str(exc)) from None
            store.add(session, indicator)
            return with_current(session, [indicator])[0]


@blp.route("/indicators/<uuid:indicator_id>")
class IndicatorById(MethodView):
    @authenticated
    @blp.response(200, IndicatorSchema)
    def get(self, indicator_id):
        with sessions()() as session:
            indicator = store.get(session, indicator_id)
            if indicator is None:
                raise not_found("Indicateur")
            return with_current(session, [indicator])[0]

    @require_roles("admin", "coordinator")
    @blp.arguments(IndicatorPatchSchema)
    @blp.response(200, IndicatorSchema)
    def patch(self, changes, indicator_id):
        with sessions().begin() as session:
            current, contract_id = _indicator_and_contract(session, indicator_id,
                                                           for_update=True)
            authorise_write(session, contract_id)
            try:
                updated = current.changed(**changes)
            except InvalidIndicator as exc:
                raise invalid(exc.field, str(exc)) from None
            if updated is not None:
                store.save(session, updated)
            return with_current(session, [updated or current])[0]

    @require_roles("admin", "coordinator")
    @blp.response(204)
    def delete(self, indicator_id):
        with sessions().begin() as session:
            _, contract_id = _indicator_and_contract(session, indicator_id, for_update=True)
            authorise_write(session, contract_id)
            store.remove(session, indicator_id)


@blp.route("/indicators/<uuid:indicator_id>/measurements")
class Measurements(MethodView):
    @authenticated
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, MeasurementPageSchema)
    def get(self, query, indicator_id):
        """The indicator's measurements, newest first."""
        after = None
        if "after" in query:
            day, last_id = decode_cursor(query["after"], 2)
            try:
                after = (date.fromisoformat(day), uuid.UUID(last_id))
            except ValueError:
                raise invalid("after", "Curseur de pagination invalide.", "query") from None
        with sessions()() as session:
            if store.get(session, indicator_id) is None:
                raise not_found("Indicateur")
            items = store.page_measurements(session, indicator_id, after=after,
                                            limit=query["limit"])
        return {"items": items, "next": next_cursor(items, query["limit"],
                                                    lambda m: [m.measured_on, m.id])}

    @require_roles("admin", "coordinator")
    @blp.arguments(MeasurementSchema)
    @blp.response(201, MeasurementSchema)
    def post(self, body, indicator_id):
        """Record a dated value of a hand-entered indicator."""
        with sessions().begin() as session:
            indicator, contract_id = _indicator_and_contract(session, indicator_id)
            authorise_write(session, contract_id)
            try:
                check_measurable(indicator, body["measured_on"], datetime.now(UTC).date())
                measurement = Measurement(indicator_id=indicator_id, **body)
            except InvalidIndicator as exc:
                if exc.field == "indicator":
                    raise conflict(str(exc)) from None
                raise invalid(exc.field, str(exc)) from None
            store.add_measurement(session, measurement, current_principal().member_id)
        return measurement
