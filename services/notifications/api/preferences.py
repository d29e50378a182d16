"""Preferences: each member's own, and each organisation's defaults (see domain.preferences).

A member reads and sets their own. An organisation's defaults are read and set
by a platform admin or by that organisation's coordinator.
"""

from __future__ import annotations

import uuid

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.notifications.api.common import (
    caller_member_id,
    invalid,
    require_manager_of,
    sessions,
)
from services.notifications.domain import preferences as domain
from services.notifications.store import preferences as store
from services.notifications.store.tables import member_directory
from shared.auth import authenticated, current_principal

blp = Blueprint("preferences", __name__, url_prefix="/api/v1/preferences",
                description="How members hear about each kind of notification.")


class PreferenceSchema(Schema):
    event_type = fields.String(required=True, validate=validate.OneOf(domain.KINDS),
                               metadata={"description": "The notification kind."})
    channel = fields.String(required=True, validate=validate.OneOf(domain.MEMBER_CHANNELS))
    mode = fields.String(required=True, validate=validate.OneOf(domain.MODES))


class EffectivePreferenceSchema(Schema):
    event_type = fields.String()
    channel = fields.String()
    mode = fields.String()
    source = fields.String(metadata={"description": "critical, member, organisation or default"})
    locked = fields.Boolean(metadata={"description": "Critical: cannot be changed."})


class PreferencesSchema(Schema):
    items = fields.List(fields.Nested(EffectivePreferenceSchema))


def _validated(body: dict) -> domain.Preference:
    try:
        return domain.validate(body["event_type"], body["channel"], body["mode"])
    except domain.InvalidPreference as exc:
        raise invalid(exc.field, str(exc)) from None


def _table(own: dict, defaults: dict) -> dict:
    items = []
    for kind in domain.KINDS:
        for channel in domain.MEMBER_CHANNELS:
            mode, source = domain.resolve(kind, channel, own.get((kind, channel)),
                                          defaults.get((kind, channel)))
            items.append({"event_type": kind, "channel": channel, "mode": mode,
                          "source": source, "locked": kind in domain.CRITICAL_KINDS})
    return {"items": items}


def _organisation_of(session, member_id: uuid.UUID):
    """The caller's organisation as the registry announced it, else as the token says."""
    known = session.execute(member_directory.select()
                            .where(member_directory.c.id == member_id)).first()
    if known is not None:
        return known.organisation_id
    token_org = current_principal().organisation_id
    try:
        return uuid.UUID(token_org) if token_org else None
    except ValueError:
        return None


@blp.route("")
class MemberPreferences(MethodView):
    @authenticated
    @blp.response(200, PreferencesSchema)
    def get(self):
        """The caller's effective preferences, for every kind and channel."""
        member_id = caller_member_id()
        with sessions()() as session:
            own = store.member_modes(session, member_id)
            defaults = store.organisation_modes(session, _organisation_of(session, member_id))
        return _table(own, defaults)

    @authenticated
    @blp.arguments(PreferenceSchema)
    @blp.response(200, PreferenceSchema)
    def put(self, body):
        """Set one of the caller's preferences (critical kinds: 422 naming `mode`)."""
        preference = _validated(body)
        member_id = caller_member_id()
        with sessions().begin() as session:
            store.save_member(session, member_id, preference)
        return body


@blp.route("/organisations/<uuid:organisation_id>")
class OrganisationPreferences(MethodView):
    @authenticated
    @blp.response(200, PreferencesSchema)
    def get(self, organisation_id):
        """An organisation's defaults as its members get them (admin, its coordinator)."""
        require_manager_of(organisation_id)
        with sessions()() as session:
            defaults = store.organisation_modes(session, organisation_id)
        return _table({}, defaults)

    @authenticated
    @blp.arguments(PreferenceSchema)
    @blp.response(200, PreferenceSchema)
    def put(self, body, organisation_id):
        """Set one of an organisation's defaults (admin, its coordinator)."""
        require_manager_of(organisation_id)
        preference = _validated(body)
        with sessions().begin() as session:
            store.save_organisation(session, organisation_id, preference)
        return body
