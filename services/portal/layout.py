"""What every page's layout needs: the member, the navigation by role, the bell, filters."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import flask

from services.portal import auth, vocabulary
from services.portal.clients.base import ApiProblem, NotAuthenticated, ServiceUnavailable
from services.portal.upstream import commune_name

PARIS = ZoneInfo("Europe/Paris")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")

# (endpoint, label, roles allowed): the order is the navigation's order.
NAVIGATION = (
    ("referrer.new_referral", "Signaler un besoin", ("referrer",)),
    ("referrer.my_referrals", "Mes signalements", ("referrer",)),
    ("handler.queue", "File de traitement", ("handler",)),
    ("coordinator.contracts", "Pilotage du CLS", ("coordinator", "admin")),
    ("admin.index", "Administration", ("admin",)),
)


def unread_count() -> int | None:
    """The bell's number; None when the notifications service does not answer."""
    if "unread_count" not in flask.g:
        try:
            flask.g.unread_count = (
                flask.current_app.extensions["portal.clients"].notifications().unread_count())
        except (ServiceUnavailable, ApiProblem, NotAuthenticated, ValueError):
            flask.g.unread_count = None
    return flask.g.unread_count


def _layout_context() -> dict:
    member = None if flask.g.get("no_session") else auth.current_member()
    navigation = []
    if member:
        roles = set(member["roles"])
        navigation = [(endpoint, text) for endpoint, text, allowed in NAVIGATION
                      if roles.intersection(allowed)]
    return {"member": member, "navigation": navigation, "unread_count": unread_count,
            "vocabulary": vocabulary, "role_labels": auth.ROLE_LABELS}


def _parse(value) -> datetime | date | None:
    if value is None or isinstance(value, datetime | date):
        return value
    text = str(value)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def french_date(value) -> str:
    parsed = _parse(value)
    if parsed is None:
        return str(value or "")
    if isinstance(parsed, datetime) and parsed.tzinfo:
        parsed = parsed.astimezone(PARIS)
    return f"{parsed.day} {MONTHS[parsed.month - 1]} {parsed.year}"


def french_datetime(value) -> str:
    parsed = _parse(value)
    if not isinstance(parsed, datetime):
        return french_date(value)
    if parsed.tzinfo:
        parsed = parsed.astimezone(PARIS)
    return f"{french_date(parsed)} à {parsed:%H:%M}"


def static_url(filename: str) -> str:
    version = flask.current_app.extensions["portal.asset_versions"].get(filename, "0")
    return flask.url_for("static", filename=filename, v=version)


def init_app(app: flask.Flask) -> None:
    app.context_processor(_layout_context)
    app.jinja_env.globals["static_url"] = static_url
    app.jinja_env.globals["has_role"] = auth.has_role
    app.jinja_env.filters["date_fr"] = french_date
    app.jinja_env.filters["datetime_fr"] = french_datetime
    app.jinja_env.filters["commune"] = commune_name
    app.jinja_env.filters["status"] = lambda code: vocabulary.label(vocabulary.STATUSES, code)
    app.jinja_env.filters["urgency"] = lambda code: vocabulary.label(vocabulary.URGENCIES, code)
