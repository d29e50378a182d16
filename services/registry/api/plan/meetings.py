"""Meetings of governance bodies, with their decisions (optionally about fiches).

Scheduling emits registry.meeting.scheduled, any later change .updated and a
cancellation .cancelled: the notifications service reminds the body's members.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, post_load, validate

from services.registry.api.plan.bodies import body_or_404
from services.registry.api.plan.common import (
    PageQuerySchema,
    authorise_write,
    check_uuid_list,
    conflict,
    contract_or_404,
    decode_cursor,
    invalid,
    next_cursor,
    not_found,
    sessions,
)
from services.registry.domain.governance import (
    MEETING_STATUSES,
    Decision,
    InvalidGovernance,
    Meeting,
    MeetingClosed,
)
from services.registry.store import governance as store
from services.registry.store import plan as plan_store
from shared.auth import authenticated, require_roles

blp = Blueprint("governance_meetings", __name__, url_prefix="/api/v1",
                description="Meetings of governance bodies and their decisions.")


class DecisionSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(1, 2000))
    action_ids = fields.List(fields.UUID(), load_default=(),
                             validate=[validate.Length(max=50), check_uuid_list],
                             metadata={"description": "Fiches actions the decision is about."})

    @post_load
    def make(self, data, **_kwargs):
        return Decision(text=data["text"], action_ids=tuple(data["action_ids"]))


class MeetingSchema(Schema):
    id = fields.UUID(dump_only=True)
    body_id = fields.UUID(dump_only=True)
    contract_id = fields.UUID(dump_only=True)
    starts_at = fields.AwareDateTime(required=True)
    place = fields.String(load_default="", validate=validate.Length(max=300))
    agenda = fields.String(load_default="", validate=validate.Length(max=5000))
    decisions = fields.List(fields.Nested(DecisionSchema), load_default=(),
                            validate=validate.Length(max=100))
    status = fields.String(dump_only=True)
    version = fields.Integer(dump_only=True)


class MeetingPatchSchema(Schema):
    starts_at = fields.AwareDateTime()
    place = fields.String(validate=validate.Length(max=300))
    agenda = fields.String(validate=validate.Length(max=5000))
    decisions = fields.List(fields.Nested(DecisionSchema), validate=validate.Length(max=100))
    status = fields.String(validate=validate.OneOf(MEETING_STATUSES),
                           metadata={"description": "`cancelled` cancels the meeting."})


class MeetingQuerySchema(PageQuerySchema):
    body_id = fields.UUID()
    status = fields.String(validate=validate.OneOf(MEETING_STATUSES))
    since = fields.AwareDateTime(metadata={"description": "Meetings starting from then."})


class MeetingPageSchema(Schema):
    items = fields.List(fields.Nested(MeetingSchema))
    next = fields.String(allow_none=True)


def _check_decisions(session, meeting: Meeting) -> None:
    wanted = {a for d in meeting.decisions for a in d.action_ids}
    found = plan_store.actions_by_id(session, wanted)
    for index, decision in enumerate(meeting.decisions):
        for action_id in decision.action_ids:
            action = found.get(action_id)
            if action is None or action.contract_id != meeting.contract_id:
                raise invalid(f"decisions.{index}.action_ids",
                              "Fiche action introuvable dans ce contrat.")


def _domain(values: dict) -> dict:
    return {k: tuple(v) if k == "decisions" else v for k, v in values.items()}


@blp.route("/contracts/<uuid:contract_id>/meetings")
class ContractMeetings(MethodView):
    @authenticated
    @blp.arguments(MeetingQuerySchema, location="query")
    @blp.response(200, MeetingPageSchema)
    def get(self, query, contract_id):
        """The contract's meetings in time order (filter by body, status, start)."""
        after = None
        if "after" in query:
            starts_at, last_id = decode_cursor(query["after"], 2)
            try:
                after = (datetime.fromisoformat(starts_at), uuid.UUID(last_id))
            except ValueError:
                raise invalid("after", "Curseur de pagination invalide.", "query") from None
        with sessions()() as session:
            contract_or_404(session, contract_id)
            items = store.page_meetings(session, contract_id, after=after,
                                        limit=query["limit"], body_id=query.get("body_id"),
                                        status=query.get("status"), since=query.get("since"))
        return {"items": items, "next": next_cursor(
            items, query["limit"], lambda m: [m.starts_at.isoformat(), m.id])}


@blp.route("/bodies/<uuid:body_id>/meetings")
class BodyMeetings(MethodView):
    @require_roles("admin", "coordinator")
    @blp.arguments(MeetingSchema)
    @blp.response(201, MeetingSchema)
    def post(self, body, body_id):
        """Schedule a meeting of the body: its members will be reminded."""
        with sessions().begin() as session:
            governing = body_or_404(session, body_id)
            authorise_write(session, governing.contract_id)
            try:
                meeting = Meeting(body_id=body_id, contract_id=governing.contract_id,
                                  **_domain(body))
            except InvalidGovernance as exc:
                raise invalid(exc.field, str(exc)) from None
            _check_decisions(session, meeting)
            store.add_meeting(session, meeting, governing)
        return meeting


@blp.route("/meetings/<uuid:meeting_id>")
class MeetingById(MethodView):
    @authenticated
    @blp.response(200, MeetingSchema)
    def get(self, meeting_id):
        with sessions()() as session:
            meeting = store.get_meeting(session, meeting_id)
        if meeting is None:
            raise not_found("Réunion")
        return meeting

    @require_roles("admin", "coordinator")
    @blp.arguments(MeetingPatchSchema)
    @blp.response(200, MeetingSchema)
    def patch(self, changes, meeting_id):
        """Reschedule, record decisions, or cancel (`status: cancelled`)."""
        with sessions().begin() as session:
            current = store.get_meeting(session, meeting_id, for_update=True)
            if current is None:
                raise not_found("Réunion")
            authorise_write(session, current.contract_id)
            try:
                outcome = current.changed(**_domain(changes))
            except InvalidGovernance as exc:
                raise invalid(exc.field, str(exc)) from None
            except MeetingClosed:
                raise conflict("Cette réunion est annulée : planifiez-en une nouvelle.") \
                    from None
            if outcome is None:
                return current
            updated, verb = outcome
            _check_decisions(session, updated)
            store.save_meeting(session, updated, store.get_body(session, updated.body_id), verb)
        return updated
