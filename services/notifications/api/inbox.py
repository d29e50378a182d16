"""The in-app inbox: each member sees their own notifications, and only theirs."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import func, select, update

from services.notifications.api.common import (
    PageQuerySchema,
    caller_member_id,
    not_found,
    now,
    page,
    sessions,
    settings,
)
from services.notifications.store.tables import inbox_items
from shared.auth import authenticated

blp = Blueprint("inbox", __name__, url_prefix="/api/v1/inbox",
                description="The caller's notifications (in-app channel).")


class InboxItemSchema(Schema):
    id = fields.UUID()
    event_id = fields.String()
    kind = fields.String()
    title = fields.String()
    critical = fields.Boolean()
    summary = fields.Dict()
    link = fields.String()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class InboxQuerySchema(PageQuerySchema):
    unread = fields.Boolean(metadata={"description": "Only unread (true) or read (false) ones."})


class InboxPageSchema(Schema):
    items = fields.List(fields.Nested(InboxItemSchema))
    next = fields.UUID(allow_none=True)


class UnreadCountSchema(Schema):
    unread = fields.Integer()


class ReadAllSchema(Schema):
    marked = fields.Integer()


def _item(row) -> dict:
    item = dict(row._mapping)
    item["link"] = settings().portal_url.rstrip("/") + item["summary"].get("path", "/")
    return item


@blp.route("")
class Inbox(MethodView):
    @authenticated
    @blp.arguments(InboxQuerySchema, location="query")
    @blp.response(200, InboxPageSchema)
    def get(self, query):
        """The caller's notifications, newest first (keyset pagination)."""
        statement = (select(inbox_items).where(inbox_items.c.member_id == caller_member_id())
                     .order_by(inbox_items.c.id.desc()).limit(query["limit"]))
        if query.get("after"):
            statement = statement.where(inbox_items.c.id < query["after"])
        if "unread" in query:
            read = inbox_items.c.read_at
            statement = statement.where(read.is_(None) if query["unread"] else read.isnot(None))
        with sessions()() as session:
            items = [_item(row) for row in session.execute(statement)]
        return page(items, query["limit"])


@blp.route("/unread-count")
class UnreadCount(MethodView):
    @authenticated
    @blp.response(200, UnreadCountSchema)
    def get(self):
        with sessions()() as session:
            count = session.execute(select(func.count()).select_from(inbox_items).where(
                inbox_items.c.member_id == caller_member_id(),
                inbox_items.c.read_at.is_(None))).scalar()
        return {"unread": count}


@blp.route("/<uuid:item_id>/read")
class MarkRead(MethodView):
    @authenticated
    @blp.response(200, InboxItemSchema)
    def post(self, item_id):
        """Mark one of the caller's notifications read (someone else's is a 404)."""
        mine = (inbox_items.c.id == item_id) & (inbox_items.c.member_id == caller_member_id())
        with sessions().begin() as session:
            session.execute(update(inbox_items).where(mine, inbox_items.c.read_at.is_(None))
                            .values(read_at=now()))
            row = session.execute(select(inbox_items).where(mine)).first()
        if row is None:
            raise not_found("notification")
        return _item(row)


@blp.route("/read-all")
class MarkAllRead(MethodView):
    @authenticated
    @blp.response(200, ReadAllSchema)
    def post(self):
        with sessions().begin() as session:
            marked = session.execute(update(inbox_items).where(
                inbox_items.c.member_id == caller_member_id(), inbox_items.c.read_at.is_(None))
                .values(read_at=now())).rowcount
        return {"marked": marked}
