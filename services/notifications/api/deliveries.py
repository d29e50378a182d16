"""The delivery log (admin): filter by event, recipient, channel, status; replay the dead
and the uncertain (interrupted mid-send: they may have arrived)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.notifications.api.common import PageQuerySchema, not_found, now, page, sessions
from services.notifications.domain.preferences import IN_APP, MEMBER_CHANNELS, WEBHOOK
from services.notifications.store import deliveries as store
from shared.auth import require_roles
from shared.http.problems import ApiError

blp = Blueprint("deliveries", __name__, url_prefix="/api/v1/deliveries",
                description="Every delivery attempt's state, for operators.")
CHANNELS = (*MEMBER_CHANNELS, WEBHOOK)


class DeliverySchema(Schema):
    id = fields.UUID()
    event_id = fields.String()
    event_type = fields.String()
    kind = fields.String()
    channel = fields.String()
    recipient_member_id = fields.UUID(allow_none=True)
    organisation_id = fields.UUID(allow_none=True)
    subscription_id = fields.UUID(allow_none=True)
    status = fields.String()
    attempts = fields.Integer()
    attempted_at = fields.DateTime(allow_none=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    digest_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)


class DeliveryQuerySchema(PageQuerySchema):
    event_id = fields.UUID()
    recipient_member_id = fields.UUID()
    subscription_id = fields.UUID()
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    status = fields.List(fields.String(validate=validate.OneOf(store.STATUSES)), metadata={
        "description": "Repeat to list several: `status=dead&status=uncertain` lists what "
                       "waits for an admin's decision."})


class DeliveryPageSchema(Schema):
    items = fields.List(fields.Nested(DeliverySchema))
    next = fields.UUID(allow_none=True)


@blp.route("")
class Deliveries(MethodView):
    @require_roles("admin")
    @blp.arguments(DeliveryQuerySchema, location="query")
    @blp.response(200, DeliveryPageSchema)
    def get(self, query):
        """The delivery log, oldest first (keyset pagination).

        `status=dead&status=uncertain` lists what waits for an admin: the dead, and those
        interrupted mid-send (they may have arrived: replaying one may send it twice).
        """
        filters = {k: query.get(k) for k in ("event_id", "recipient_member_id",
                                              "subscription_id", "channel", "status")}
        with sessions()() as session:
            rows = store.page(session, limit=query["limit"], after=query.get("after"), **filters)
        return page([dict(r._mapping) for r in rows], query["limit"])


@blp.route("/<uuid:delivery_id>")
class DeliveryById(MethodView):
    @require_roles("admin")
    @blp.response(200, DeliverySchema)
    def get(self, delivery_id):
        with sessions()() as session:
            row = store.get(session, delivery_id)
        if row is None:
            raise not_found("delivery")
        return dict(row._mapping)


@blp.route("/<uuid:delivery_id>/replay")
class Replay(MethodView):
    @require_roles("admin")
    @blp.response(200, DeliverySchema)
    def post(self, delivery_id):
        """Send a dead or uncertain delivery again: pending, due now, attempts reset (409
        otherwise). An uncertain one may have arrived: replaying it is the admin's call."""
        with sessions().begin() as session:
            row = store.get(session, delivery_id)
            if row is None:
                raise not_found("delivery")
            if row.channel == IN_APP or not store.replay(session, delivery_id, now()):
                raise ApiError(409, "conflict", "Conflict",
                               detail=f"Only a dead or uncertain delivery can be replayed "
                                      f"(this one is {row.status}).")
            return dict(store.get(session, delivery_id)._mapping)
