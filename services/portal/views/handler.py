"""For a CCAS handler: the triage queue, one referral, the workflow's actions, export.

These pages need the referrals API only (organisation names come from its own copy of
the directory, commune names from the local referential): a registry outage does not
stop a referral being read or handled.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import flask

from services.portal import auth, vocabulary
from services.portal.clients.base import ApiProblem
from services.portal.layout import PARIS
from services.portal.views.common import clients, load_optional, page_filters

blp = flask.Blueprint("handler", __name__, url_prefix="/ccas")
QUEUE_FILTERS = ("status", "urgency", "need_category", "commune", "assignee", "overdue",
                 "submitted_from", "submitted_to")
COUNTER_PAGE = 200


def _day(text: str, shift: int = 0) -> str | None:
    try:
        day = date.fromisoformat(text) + timedelta(days=shift)
    except ValueError:
        return None
    return datetime.combine(day, time(0), PARIS).isoformat()


def api_filters(filters: dict) -> dict:
    """The page's filters (codes, ids, dates: never personal data) as the API names them."""
    api = {k: v for k, v in filters.items() if k in ("status", "urgency", "need_category")}
    if len(filters.get("commune", "")) == 5:
        api["commune"] = filters["commune"]
    if filters.get("assignee") == "me":
        api["assignee"] = auth.current_member()["id"]
    if filters.get("overdue"):
        api["overdue"] = "true"
    if filters.get("submitted_from"):
        api["submitted_from"] = _day(filters["submitted_from"])
    if filters.get("submitted_to"):  # the whole last day
        api["submitted_to"] = _day(filters["submitted_to"], 1)
    return api


COUNTERS = ("new", "urgent", "overdue", "assigned_to_me")


def counters(referrals_client) -> dict:
    """Nouveaux, urgents, en retard, assignés à moi: counted by the referrals service;
    from one page of open referrals (without identities) if it cannot count them."""
    counted = referrals_client.counters()
    if counted is not None:
        return {name: str(counted.get(name, 0)) for name in COUNTERS}
    page = referrals_client.page({"status": list(vocabulary.OPEN_STATUSES)},
                                 limit=COUNTER_PAGE, summary=True)
    items = page.get("items", [])
    me = auth.current_member()["id"]
    more = "+" if page.get("next") else ""
    return {
        "new": f"{sum(r.get('status') == 'requested' for r in items)}{more}",
        "urgent": f"{sum(r.get('urgency') == 'urgent' for r in items)}{more}",
        "overdue": f"{sum(bool(r.get('overdue')) for r in items)}{more}",
        "assigned_to_me": f"{sum(str(r.get('assignee_member_id')) == me for r in items)}{more}",
    }


@blp.route("/file")
@auth.login_required("handler")
def queue():
    filters, after = page_filters(QUEUE_FILTERS)
    referrals = clients().referrals()
    page, down = load_optional(lambda: referrals.page(api_filters(filters), after=after), {})
    counts, _ = load_optional(lambda: counters(referrals), {})
    return flask.render_template(
        "handler/queue.html", referrals=page.get("items", []), next_cursor=page.get("next"),
        filters=filters, counters=counts, down=down,
        categories=clients().category_labels(), organisations=clients().organisation_names())


def allowed_actions(referral: dict) -> list[str]:
    return [a for a in vocabulary.ACTIONS_BY_STATUS.get(referral.get("status"), ())
            if a != "redirect" or referral.get("status") == "requested"]


@blp.route("/signalements/<uuid:referral_id>")
@auth.login_required("handler")
def referral(referral_id):
    answer = clients().referrals().read(str(referral_id))  # audited by the API
    body = answer.body
    organisations = clients().organisation_names()
    member = auth.current_member()
    codes = clients().referral_codes()
    return flask.render_template(
        "handler/detail.html", referral=body, etag=answer.etag or "",
        history=body.get("history") or [], messages=body.get("messages") or [],
        notes=body.get("notes") or [], actions=allowed_actions(body),
        organisations=organisations, categories=clients().category_labels(),
        rejection_reasons=codes.get("rejection_reasons") or vocabulary.REJECTION_REASONS,
        failure_reasons=codes.get("failure_reasons") or vocabulary.FAILURE_REASONS,
        outcomes=codes.get("outcomes") or vocabulary.OUTCOMES,
        redirect_targets=sorted(((i, n) for i, n in organisations.items()
                                 if i != member.get("organisation_id")), key=lambda p: p[1]),
        handlers=_handlers(member))


def _handlers(member: dict) -> list[tuple[str, str]]:
    """Colleagues a referral can be assigned to (from the registry; just me when it is down)."""
    me = [(member["id"], "Moi-même")]

    def load():
        page = clients().registry().members(organisation_id=member.get("organisation_id"),
                                            limit=200)
        return [(str(m["id"]), m.get("display_name") or str(m["id"]))
                for m in (page or {}).get("items", [])
                if "handler" in m.get("roles", []) and m.get("active", True)
                and str(m["id"]) != member["id"]]

    return me + clients().cached(f"handlers:{member.get('organisation_id')}", load, [])


ACTION_FIELDS = {
    "reject": ("reason_code",),
    "fail": ("reason_code",),
    "complete": ("outcome_code",),
    "redirect": ("organisation_id",),
    "assign": ("assignee_member_id",),
}
MISSING = {
    "reason_code": "Choisissez le motif.",
    "outcome_code": "Choisissez le résultat.",
    "organisation_id": "Choisissez l'organisation vers laquelle rediriger.",
    "assignee_member_id": "Choisissez la personne à qui assigner le signalement.",
}


@blp.route("/signalements/<uuid:referral_id>/action", methods=["POST"])
@auth.login_required("handler")
def act(referral_id):
    form = flask.request.form
    action = form.get("action", "")
    target = flask.url_for("handler.referral", referral_id=referral_id)
    if action not in vocabulary.ACTIONS:
        flask.abort(400)
    fields = {name: form.get(name, "").strip() for name in ACTION_FIELDS.get(action, ())}
    missing = [MISSING[name] for name, value in fields.items() if not value]
    comment = form.get("comment", "").strip()[:2000]
    if action == "redirect" and not comment:
        missing.append("Indiquez la raison de la redirection.")
    if missing:
        for message in missing:
            flask.flash(message, "error")
        return flask.redirect(target + "#actions")
    try:
        clients().referrals().transition(str(referral_id), form.get("version", ""), action,
                                         comment=comment, **fields)
    except ApiProblem as exc:
        if exc.status == 412:
            flask.flash("Ce signalement vient d'être modifié par quelqu'un d'autre. Voici sa "
                        "version à jour : vérifiez-la avant de recommencer.", "error")
        elif exc.status in (409, 422, 428):
            flask.flash("Cette action n'est pas possible : " + (
                exc.detail or "l'état du signalement a changé."), "error")
        else:
            raise
        return flask.redirect(target)
    flask.flash(f"Action enregistrée : {vocabulary.ACTIONS[action].lower()}.", "success")
    if action == "redirect":
        return flask.redirect(flask.url_for("handler.queue"))
    return flask.redirect(target)


@blp.route("/signalements/<uuid:referral_id>/notes", methods=["POST"])
@auth.login_required("handler")
def add_note(referral_id):
    text = flask.request.form.get("body", "").strip()
    if not text:
        flask.flash("La note est vide : elle n'a pas été enregistrée.", "error")
    else:
        clients().referrals().add_note(str(referral_id), text[:2000])
        flask.flash("Note interne enregistrée.", "success")
    return flask.redirect(flask.url_for("handler.referral", referral_id=referral_id) + "#notes")


@blp.route("/export.csv")
@auth.login_required("handler")
def export():
    filters, _ = page_filters(QUEUE_FILTERS)
    content = clients().referrals().export_csv(api_filters(filters))
    return flask.Response(content, mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="signalements.csv"'})
