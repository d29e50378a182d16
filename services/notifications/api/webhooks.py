"""Webhook subscriptions of organisations.

Who manages them: a platform admin, for any organisation; a coordinator, for
their own organisation only. Others get a 403. The secret is shown once, when
the subscription is made and when it is rotated; a rotation keeps the previous
secret signing too for RELAIS_WEBHOOK_SECRET_GRACE_HOURS (see domain.signing).
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate

from services.notifications.api.common import (
    PageQuerySchema,
    may_manage_organisation,
    not_found,
    now,
    page,
    require_manager_of,
    sessions,
    settings,
)
from services.notifications.domain.preferences import NOTIFIED_EVENT_TYPES
from services.notifications.store import subscriptions as store
from shared.auth import current_principal, require_roles

blp = Blueprint("webhooks", __name__, url_prefix="/api/v1/webhooks",
                description="Organisations' webhook subscriptions (signed, no personal data).")


def _check_url(value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError("Must be an http or https URL.")


class SubscriptionSchema(Schema):
    id = fields.UUID(dump_only=True)
    organisation_id = fields.UUID(required=True)
    url = fields.String(required=True, validate=[validate.Length(1, 2000), _check_url])
    event_types = fields.List(fields.String(validate=validate.OneOf(NOTIFIED_EVENT_TYPES)),
                              required=True, validate=validate.Length(min=1))
    active = fields.Boolean(dump_only=True)
    previous_secret_expires_at = fields.DateTime(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)


class CreatedSubscriptionSchema(SubscriptionSchema):
    secret = fields.String(dump_only=True, metadata={"description": "Shown only now."})


class SubscriptionPatchSchema(Schema):
    url = fields.String(validate=[validate.Length(1, 2000), _check_url])
    event_types = fields.List(fields.String(validate=validate.OneOf(NOTIFIED_EVENT_TYPES)),
                              validate=validate.Length(min=1))
    active = fields.Boolean()


class SubscriptionQuerySchema(PageQuerySchema):
    organisation_id = fields.UUID()


class SubscriptionPageSchema(Schema):
    items = fields.List(fields.Nested(SubscriptionSchema))
    next = fields.UUID(allow_none=True)


class RotatedSecretSchema(Schema):
    secret = fields.String()
    previous_secret_expires_at = fields.DateTime()


def _owned(session, subscription_id, *, for_update=False):
    row = store.get(session, subscription_id, for_update=for_update)
    # Someone else's subscription is as good as absent: no way to probe for ids.
    if row is None or not may_manage_organisation(row.organisation_id):
        raise not_found("webhook subscription")
    return row


@blp.route("")
class Subscriptions(MethodView):
    @require_roles("admin", "coordinator")
    @blp.arguments(SubscriptionQuerySchema, location="query")
    @blp.response(200, SubscriptionPageSchema)
    def get(self, query):
        """Subscriptions: all of them for an admin, their organisation's for a coordinator."""
        organisation_id = query.get("organisation_id")
        if not current_principal().has_any("admin"):
            organisation_id = current_principal().organisation_id
            if query.get("organisation_id") and str(query["organisation_id"]) != organisation_id:
                require_manager_of(query["organisation_id"])
        with sessions()() as session:
            rows = store.page(session, organisation_id=organisation_id, after=query.get("after"),
                              limit=query["limit"])
        return page([dict(r._mapping) for r in rows], query["limit"])

    @require_roles("admin", "coordinator")
    @blp.arguments(SubscriptionSchema)
    @blp.response(201, CreatedSubscriptionSchema)
    def post(self, body):
        """Subscribe an organisation's endpoint to event types; the answer holds the secret."""
        require_manager_of(body["organisation_id"])
        with sessions().begin() as session:
            return store.add(session, organisation_id=body["organisation_id"], url=body["url"],
                             event_types=body["event_types"], now=now())


@blp.route("/<uuid:subscription_id>")
class SubscriptionById(MethodView):
    @require_roles("admin", "coordinator")
    @blp.response(200, SubscriptionSchema)
    def get(self, subscription_id):
        with sessions()() as session:
            return dict(_owned(session, subscription_id)._mapping)

    @require_roles("admin", "coordinator")
    @blp.arguments(SubscriptionPatchSchema)
    @blp.response(200, SubscriptionSchema)
    def patch(self, changes, subscription_id):
        """Change the URL or the event types, pause (active false) or resume."""
        with sessions().begin() as session:
            _owned(session, subscription_id, for_update=True)
            if "event_types" in changes:
                changes["event_types"] = sorted(set(changes["event_types"]))
            if changes:
                store.change(session, subscription_id, now(), **changes)
            return dict(store.get(session, subscription_id)._mapping)

    @require_roles("admin", "coordinator")
    @blp.response(204)
    def delete(self, subscription_id):
        with sessions().begin() as session:
            _owned(session, subscription_id, for_update=True)
            store.remove(session, subscription_id)


@blp.route("/<uuid:subscription_id>/rotate-secret")
class RotateSecret(MethodView):
    @require_roles("admin", "coordinator")
    @blp.response(200, RotatedSecretSchema)
    def post(self, subscription_id):
        """A new secret; the previous one keeps signing alongside during the grace period."""
        grace = timedelta(hours=settings().webhook_secret_grace_hours)
        moment = now()
        with sessions().begin() as session:
            _owned(session, subscription_id, for_update=True)
            secret = store.rotate_secret(session, subscription_id, now=moment, grace=grace)
        return {"secret": secret, "previous_secret_expires_at": moment + grace}
