"""The organisations this service knows, from its read model of the registry.

Routing reads this copy, so referrals keep working while the registry is down.
"""

from __future__ import annotations

import flask
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from services.referrals.store.tables import organisation_directory
from shared.auth import authenticated

blp = Blueprint("directory", __name__, url_prefix="/api/v1/directory",
                description="The registry's organisations as this service last heard of them.")


class DirectoryEntrySchema(Schema):
    id = fields.UUID()
    name = fields.String()
    kind = fields.String()
    active = fields.Boolean()
    version = fields.Integer()


class DirectoryQuerySchema(Schema):
    after = fields.UUID(metadata={"description": "Cursor: the last id of the previous page."})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class DirectoryPageSchema(Schema):
    items = fields.List(fields.Nested(DirectoryEntrySchema))
    next = fields.UUID(allow_none=True)


@blp.route("/organisations")
class DirectoryOrganisations(MethodView):
    @authenticated
    @blp.arguments(DirectoryQuerySchema, location="query")
    @blp.response(200, DirectoryPageSchema)
    def get(self, query):
        """Organisations known locally (keyset pagination)."""
        table = organisation_directory
        statement = select(table).order_by(table.c.id).limit(query["limit"])
        if query.get("after"):
            statement = statement.where(table.c.id > query["after"])
        with flask.current_app.extensions["relais.sessions"]() as session:
            items = [dict(row._mapping) for row in session.execute(statement)]
        next_cursor = items[-1]["id"] if len(items) == query["limit"] else None
        return {"items": items, "next": next_cursor}
