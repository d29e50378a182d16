"""CSV export of an organisation's referrals (`;`-separated, UTF-8 with BOM, as French
spreadsheets expect). Identity columns for handlers only; every export is audited."""

from __future__ import annotations

import csv
import io

import flask
from flask.views import MethodView
from flask_smorest import Blueprint

from services.referrals.api import context as ctx
from services.referrals.api.schemas import ReferralQuerySchema
from services.referrals.store import queries, views
from shared.auth import require_roles
from shared.http.problems import ApiError

blp = Blueprint("export", __name__, url_prefix="/api/v1/referrals",
                description="CSV export for the organisation.")

MAX_ROWS = 10_000
COLUMNS = ("id", "status", "need_category", "commune", "urgency", "submitted_at",
           "first_answer_at", "closed_at", "referrer_organisation_id",
           "receiving_organisation_id", "assignee_member_id", "reason_code", "outcome_code",
           "overdue")
IDENTITY = ("last_name", "first_name", "birth_date", "phone", "email")


class ExportQuerySchema(ReferralQuerySchema):
    class Meta:
        exclude = ("after", "limit", "fields_", "include_identity")


@blp.route("/export.csv")
class Export(MethodView):
    @require_roles("referrer", "handler")
    @blp.arguments(ExportQuerySchema, location="query")
    @blp.response(200, content_type="text/csv")
    def get(self, query):
        """The organisation's referrals as CSV, same filters as the list."""
        who = ctx.actor()
        side = query.pop("side", None) or ("receiving" if "handler" in who.roles else "referrer")
        if ("handler" if side == "receiving" else "referrer") not in who.roles:
            raise ApiError(403, "forbidden", "Forbidden",
                           detail="Votre rôle ne donne pas accès à cet export.")
        with_identity = side == "receiving"
        cipher, now = ctx.protection().cipher, ctx.now()
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow(COLUMNS + (IDENTITY if with_identity else ()))
        with ctx.sessions().begin() as session:
            rows, _ = queries.page(session, side=side, organisation_id=who.organisation_id,
                                   filters=query, limit=MAX_ROWS, now=now)
            people = {}
            if with_identity and rows:
                people = views.identities(session, [r["beneficiary_id"] for r in rows], cipher)
            for row in rows:
                summary = views.summary(row, now)
                line = [_cell(summary[c]) for c in COLUMNS]
                if with_identity:
                    person = people[row["beneficiary_id"]] or {}
                    line += [_cell(person.get(c)) for c in IDENTITY]
                writer.writerow(line)
            ctx.record(session, "export", f"csv_{side}", [r["id"] for r in rows] or [None])
        response = flask.Response(buffer.getvalue(), mimetype="text/csv")
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
        response.headers["Content-Disposition"] = 'attachment; filename="orientations.csv"'
        return response


def _cell(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    # A cell starting with = + - @ is a formula in a spreadsheet: neutralise it.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
