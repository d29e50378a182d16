"""For everyone: the inbox behind the bell, and notification preferences."""

from __future__ import annotations

import flask

from services.portal import auth, vocabulary
from services.portal.views.common import clients, load_optional, local_path, page_filters

blp = flask.Blueprint("inbox", __name__, url_prefix="/notifications")


def link_of(notification: dict) -> str | None:
    """Where a notification leads: a path of the portal, never an outside address."""
    summary = notification.get("summary") or {}
    path = summary.get("path") if isinstance(summary, dict) else None
    return local_path(path) if isinstance(path, str) else None


@blp.route("")
@auth.login_required()
def index():
    _filters, after = page_filters(())
    page, down = load_optional(lambda: clients().notifications().inbox(after=after), {})
    items = [{**n, "href": link_of(n),
              "label": n.get("title") or vocabulary.label(vocabulary.EVENT_TYPES, n.get("kind"))}
             for n in page.get("items", [])]
    return flask.render_template("inbox/index.html", notifications=items, down=down,
                                 next_cursor=page.get("next"))


@blp.route("/<uuid:notification_id>/lu", methods=["POST"])
@auth.login_required()
def mark_read(notification_id):
    clients().notifications().mark_read(str(notification_id))
    return flask.redirect(local_path(flask.request.form.get("next"))
                          or flask.url_for("inbox.index"))


@blp.route("/tout-lu", methods=["POST"])
@auth.login_required()
def mark_all_read():
    clients().notifications().mark_all_read()
    flask.flash("Toutes les notifications sont marquées comme lues.", "success")
    return flask.redirect(flask.url_for("inbox.index"))


def _rows(current) -> list[dict]:
    return current.get("items", []) if isinstance(current, dict) else list(current or [])


@blp.route("/preferences", methods=["GET", "POST"])
@auth.login_required()
def preferences():
    notifications = clients().notifications()
    if flask.request.method == "POST":
        current = {(p["event_type"], p["channel"]): p for p in _rows(notifications.preferences())}
        changed = 0
        for key, mode in flask.request.form.items():
            if not key.startswith("pref:"):
                continue
            _, event_type, channel = key.split(":", 2)
            known = current.get((event_type, channel))
            if known is None or known.get("locked") or known.get("mode") == mode \
                    or mode not in vocabulary.CHANNEL_MODES.get(channel, ()):
                continue
            notifications.save_preference(event_type, channel, mode)
            changed += 1
        flask.flash("Vos préférences sont enregistrées." if changed
                    else "Aucune préférence n'a changé.", "success")
        return flask.redirect(flask.url_for("inbox.preferences"))
    current, down = load_optional(notifications.preferences, {})
    rows = _rows(current)
    by_key = {(p.get("event_type"), p.get("channel")): p for p in rows}
    event_types = list(dict.fromkeys(p.get("event_type") for p in rows))
    return flask.render_template("inbox/preferences.html", by_key=by_key, down=down,
                                 event_types=event_types)
