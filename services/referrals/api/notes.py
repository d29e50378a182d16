"""Internal notes (the receiving organisation only) and messages shared between the
receiving organisation and the referrer's. Texts are encrypted; a shared message is
announced by an event that does not carry it. Once the person has withdrawn their
consent no new message is shared (409 consent_withdrawn); internal notes go on."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from services.referrals.api import context as ctx
from services.referrals.api.schemas import NoteSchema
from services.referrals.commands.handling import add_note
from services.referrals.domain.workflow import HANDLER
from services.referrals.store import referrals as store
from services.referrals.store import views
from shared.auth import require_roles
from shared.http.problems import ApiError

blp = Blueprint("notes", __name__, url_prefix="/api/v1/referrals",
                description="Internal notes and messages shared with the referrer.")


class NoteListSchema(Schema):
    items = fields.List(fields.Nested(NoteSchema))


def _list(referral_id, visibility: str):
    with ctx.sessions().begin() as session:
        referral, capacity = ctx.load(session, referral_id, f"{visibility}_notes")
        if visibility == "internal" and capacity != HANDLER:
            raise ctx.Denied(referral["id"], "internal_notes")
        items = views.note_list(session, referral["id"], visibility, ctx.protection().cipher)
        ctx.record(session, "read", f"{visibility}_notes", [referral["id"]])
    return {"items": items}


def _add(referral_id, visibility: str, body: dict):
    who = ctx.actor()
    with ctx.sessions().begin() as session:
        referral, capacity = ctx.load(session, referral_id, f"{visibility}_note")
        if visibility == "internal" and capacity != HANDLER:
            raise ctx.Denied(referral["id"], "internal_note")
        if referral["anonymised_at"] is not None:
            raise ApiError(409, "anonymised", "Conflict",
                           detail="Cette orientation a été anonymisée.")
        if visibility == "shared" and store.withdrawal(session, referral["id"]) is not None:
            raise ApiError(409, "consent_withdrawn", "Conflict",
                           detail="La personne a retiré son consentement : plus aucun "
                                  "message ne peut être partagé.")
        note = add_note(session, referral, who, visibility, body["body"], ctx.now(),
                        ctx.protection())
        ctx.record(session, "update", f"{visibility}_note", [referral["id"]])
    return note


@blp.route("/<uuid:referral_id>/notes")
class InternalNotes(MethodView):
    @require_roles("handler")
    @blp.response(200, NoteListSchema)
    def get(self, referral_id):
        """Internal notes of the receiving organisation."""
        return _list(referral_id, "internal")

    @require_roles("handler")
    @blp.arguments(NoteSchema)
    @blp.response(201, NoteSchema)
    def post(self, body, referral_id):
        """Add an internal note (never shown to the referrer)."""
        return _add(referral_id, "internal", body)


@blp.route("/<uuid:referral_id>/messages")
class SharedMessages(MethodView):
    @require_roles("referrer", "handler")
    @blp.response(200, NoteListSchema)
    def get(self, referral_id):
        """Messages shared between the receiving organisation and the referrer's."""
        return _list(referral_id, "shared")

    @require_roles("referrer", "handler")
    @blp.arguments(NoteSchema)
    @blp.response(201, NoteSchema)
    def post(self, body, referral_id):
        """Share a message (the other side is notified, without its text)."""
        return _add(referral_id, "shared", body)
