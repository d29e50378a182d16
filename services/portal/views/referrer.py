"""For a referrer (a CPTS member, a GP): raise a need, follow what became of it."""

from __future__ import annotations

import uuid

import flask

from services.portal import auth, intake, vocabulary
from services.portal.clients.base import ApiProblem, ServiceUnavailable
from services.portal.errors import service_down_message
from services.portal.upstream import search_communes
from services.portal.views.common import clients, load_optional, page_filters
from shared.communes import ReferentialMissing, referential

blp = flask.Blueprint("referrer", __name__)


def _plan_options() -> tuple[list, list]:
    """Fiches actions and pathways to link (optional): empty when the registry is down."""
    upstream = clients()

    def load():
        registry = upstream.registry()
        actions, pathways = [], []
        for contract in registry.contracts():
            if contract.get("status") not in (None, "signed", "active"):
                continue
            name = contract.get("name", "")
            actions += [(str(a["id"]), f"{a.get('code', '')} · {a.get('title', '')} ({name})")
                        for a in registry.actions(contract["id"])]
            pathways += [(str(p["id"]), f"{p.get('name', '')} ({name})")
                         for p in registry.pathways(contract["id"]) if p.get("active", True)]
        return actions, pathways

    return upstream.cached("plan_options", load, ([], []))


def _commune_exists(code: str) -> bool:
    try:
        return referential().exists(code)
    except ReferentialMissing:
        return bool(code)  # the API checks it against the same referential


def _render_form(values: dict, errors: dict, others: list, candidates: list, status: int = 200):
    categories = clients().need_categories()
    actions, pathways = _plan_options()
    return flask.render_template(
        "referrer/new.html", values=values, errors=errors, others=others,
        candidates=candidates, categories=[(c["code"], c.get("label", c["code"]))
                                           for c in categories],
        categories_missing=not categories, actions=actions, pathways=pathways,
        consent_scopes=list((clients().referral_codes().get("consent_scopes")
                             or vocabulary.CONSENT_SCOPES).items()),
        idempotency_key=values.get("idempotency_key") or str(uuid.uuid4()),
    ), status


@blp.route("/signalements/nouveau", methods=["GET", "POST"])
@auth.login_required("referrer")
def new_referral():
    if flask.request.method == "GET":
        return _render_form({"urgency": "normal", "consent.scope": "referral_and_follow_up"},
                            {}, [], [])
    form = {k: v for k, v in flask.request.form.items() if k != "csrf_token"}
    errors = intake.check(form)
    commune, candidates, commune_error = intake.resolve_commune(
        form, lambda q: search_communes(q, limit=12), _commune_exists)
    if commune_error:
        errors["beneficiary.commune"] = commune_error
    if errors:
        return _render_form(form, errors, [], candidates, 422)
    try:
        created = clients().referrals().submit(intake.body(form, commune),
                                               idempotency_key=form.get("idempotency_key")
                                               or str(uuid.uuid4()))
    except ApiProblem as exc:
        if exc.status != 422:
            raise
        if exc.code == "idempotency_key_reused":
            flask.flash("Ce formulaire a déjà été envoyé. Vérifiez « Mes signalements » avant "
                        "d'envoyer à nouveau.", "error")
            return _render_form({**form, "idempotency_key": ""}, {}, [], [], 422)
        by_field, others = intake.api_errors(exc.field_errors())
        return _render_form(form, by_field, others or ([exc.detail] if not by_field else []),
                            [], 422)
    except ServiceUnavailable as exc:
        flask.flash(service_down_message(exc.service) + " Votre signalement n'a pas été "
                    "envoyé : renvoyez le formulaire.", "error")
        return _render_form(form, {}, [], [], 503)
    organisation = clients().organisation_names().get(
        str(created.get("receiving_organisation_id")), "l'organisation compétente")
    flask.flash(f"Votre signalement a été transmis à {organisation}.", "success")
    return flask.redirect(flask.url_for("referrer.referral", referral_id=created["id"]))


@blp.route("/signalements")
@auth.login_required("referrer")
def my_referrals():
    filters, after = page_filters(("status",))
    page, down = load_optional(
        lambda: clients().referrals().page(filters, after=after, side="referrer",
                                           summary=True), {})
    return flask.render_template(
        "referrer/list.html", referrals=page.get("items", []), next_cursor=page.get("next"),
        filters=filters, down=down, organisations=clients().organisation_names(),
        categories=clients().category_labels())


@blp.route("/signalements/<uuid:referral_id>")
@auth.login_required("referrer", "handler")
def referral(referral_id):
    """The referrer's view; a handler following a notification link gets the CCAS view."""
    if not auth.has_role("referrer"):
        return flask.redirect(flask.url_for("handler.referral", referral_id=referral_id))
    answer = clients().referrals().read(str(referral_id))
    referral_body = answer.body
    return flask.render_template(
        "referrer/detail.html", referral=referral_body, etag=answer.etag or "",
        messages=referral_body.get("messages") or [], codes=clients().referral_codes(),
        organisations=clients().organisation_names(), categories=clients().category_labels())


@blp.route("/signalements/<uuid:referral_id>/messages", methods=["POST"])
@auth.login_required("referrer", "handler")
def reply(referral_id):
    text = flask.request.form.get("body", "").strip()
    target = ("handler.referral" if flask.request.form.get("from") == "handler"
              and auth.has_role("handler") else "referrer.referral")
    if not text:
        flask.flash("Le message est vide : il n'a pas été envoyé.", "error")
    elif len(text) > intake.DESCRIPTION_MAX:
        flask.flash(f"Le message est limité à {intake.DESCRIPTION_MAX} caractères.", "error")
    else:
        clients().referrals().add_message(str(referral_id), text)
        flask.flash("Message envoyé.", "success")
    return flask.redirect(flask.url_for(target, referral_id=referral_id) + "#messages")


@blp.route("/signalements/<uuid:referral_id>/annuler", methods=["POST"])
@auth.login_required("referrer")
def cancel(referral_id):
    """The referrer withdraws a need still open (the person no longer needs it...)."""
    target = flask.url_for("referrer.referral", referral_id=referral_id)
    try:
        clients().referrals().transition(
            str(referral_id), flask.request.form.get("version", ""), "cancel",
            comment=flask.request.form.get("comment", "").strip()[:2000])
    except ApiProblem as exc:
        if exc.status not in (409, 412, 422, 428):
            raise
        flask.flash("Le signalement n'a pas pu être annulé : son état vient de changer. "
                    "Vérifiez-le ci-dessous.", "error")
        return flask.redirect(target)
    flask.flash("Le signalement est annulé ; l'organisation en est informée.", "success")
    return flask.redirect(target)


@blp.route("/reunions/<uuid:meeting_id>")
@auth.login_required()
def meeting(meeting_id):
    """Where a meeting notification leads: the CLS page for those who steer it."""
    if auth.has_role("coordinator", "admin"):
        return flask.redirect(flask.url_for("coordinator.contracts") + "#gouvernance")
    flask.flash("La réunion est détaillée dans la notification et dans l'invitation reçue.",
                "info")
    return flask.redirect(flask.url_for("inbox.index"))


@blp.route("/communes/recherche")
@auth.login_required()
def commune_search():
    """For the form's script: communes matching a name or postcode (no personal data)."""
    query = flask.request.args.get("q", "")[:80]
    return flask.jsonify({"items": search_communes(query) if len(query) >= 2 else []})
