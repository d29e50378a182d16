"""For an admin: organisations, members (invite, roles, deactivate), routing rules,
need categories and pathways, as lists and simple forms over the registry's API."""

from __future__ import annotations

import flask

from services.portal import auth, intake
from services.portal.clients.base import ApiProblem
from services.portal.views.common import clients, local_path, page_filters
from shared.auth import ROLES
from shared.events.registry import ORGANISATION_KINDS

blp = flask.Blueprint("admin", __name__, url_prefix="/admin")
KIND_LABELS = {
    "ars": "ARS", "ccas": "CCAS", "cias": "CIAS", "cpts": "CPTS", "msp": "MSP",
    "clsm": "CLSM", "dac": "DAC", "sport_health_house": "Maison Sport Santé", "cpam": "CPAM",
    "msa": "MSA", "hospital": "Hôpital", "department": "Département",
    "association": "Association", "other": "Autre",
}


@blp.route("")
@auth.login_required("admin")
def index():
    return flask.render_template("admin/index.html")


@blp.route("/organisations", methods=["GET", "POST"])
@auth.login_required("admin")
def organisations():
    registry = clients().registry()
    errors, values = {}, {}
    if flask.request.method == "POST":
        values = {"name": flask.request.form.get("name", "").strip(),
                  "kind": flask.request.form.get("kind", "")}
        if not values["name"]:
            errors["name"] = "Indiquez le nom de l'organisation."
        if values["kind"] not in ORGANISATION_KINDS:
            errors["kind"] = "Choisissez le type d'organisation."
        if not errors:
            try:
                registry.create_organisation(values)
            except ApiProblem as exc:
                if exc.status != 422:
                    raise
                errors = {k: intake.french(v) for k, v in exc.field_errors().items()}
            else:
                flask.flash(f"Organisation « {values['name']} » enregistrée.", "success")
                return flask.redirect(flask.url_for("admin.organisations"))
    _filters, after = page_filters(())
    page = registry.organisations(after=after, limit=50)
    return flask.render_template("admin/organisations.html", page=page, errors=errors,
                                 values=values, kinds=KIND_LABELS), 422 if errors else 200


@blp.route("/organisations/<uuid:organisation_id>/active", methods=["POST"])
@auth.login_required("admin")
def toggle_organisation(organisation_id):
    active = flask.request.form.get("active") == "true"
    clients().registry().update_organisation(str(organisation_id), {"active": active})
    flask.flash("Organisation réactivée." if active else "Organisation désactivée.", "success")
    return flask.redirect(flask.url_for("admin.organisations"))


@blp.route("/organisations/<uuid:organisation_id>/membres", methods=["GET", "POST"])
@auth.login_required("admin")
def members(organisation_id):
    registry = clients().registry()
    organisation = registry.organisation(str(organisation_id))
    errors, values = {}, {}
    if flask.request.method == "POST":
        form = flask.request.form
        values = {"email": form.get("email", "").strip(),
                  "display_name": form.get("display_name", "").strip(),
                  "roles": [r for r in form.getlist("roles") if r in ROLES],
                  "rpps": form.get("rpps", "").strip()}
        if not intake.EMAIL.match(values["email"]):
            errors["email"] = "Saisissez une adresse électronique valide."
        if not values["display_name"]:
            errors["display_name"] = "Indiquez le nom de la personne."
        if not values["roles"]:
            errors["roles"] = "Choisissez au moins un rôle."
        if values["rpps"] and not (values["rpps"].isdigit() and len(values["rpps"]) == 11):
            errors["rpps"] = "Le numéro RPPS compte 11 chiffres."
        if not errors:
            body = {**{k: v for k, v in values.items() if v},
                    "organisation_id": str(organisation_id)}
            try:
                registry.invite_member(body)
            except ApiProblem as exc:
                if exc.status not in (409, 422):
                    raise
                errors = {k: intake.french(v) for k, v in exc.field_errors().items()} or {
                    "email": exc.detail or "Invitation refusée."}
            else:
                flask.flash(f"Invitation envoyée à {values['email']}.", "success")
                return flask.redirect(flask.url_for("admin.members",
                                                    organisation_id=organisation_id))
    page = registry.members(organisation_id=str(organisation_id), limit=200)
    return flask.render_template("admin/members.html", organisation=organisation,
                                 members=(page or {}).get("items", []), errors=errors,
                                 values=values, roles=auth.ROLE_LABELS), 422 if errors else 200


@blp.route("/membres/<uuid:member_id>", methods=["POST"])
@auth.login_required("admin")
def update_member(member_id):
    form = flask.request.form
    back = form.get("back", "")
    # Only back to an admin page of the portal: never an address taken from the form.
    back = back if (local_path(back) or "").startswith("/admin/") else flask.url_for(
        "admin.index")
    changes: dict = {}
    if form.get("change") == "roles":
        changes["roles"] = [r for r in form.getlist("roles") if r in ROLES]
        if not changes["roles"]:
            flask.flash("Un membre garde au moins un rôle ; désactivez-le sinon.", "error")
            return flask.redirect(back)
    elif form.get("change") == "active":
        changes["active"] = form.get("active") == "true"
    else:
        flask.abort(400)
    clients().registry().update_member(str(member_id), changes)
    flask.flash("Membre mis à jour.", "success")
    return flask.redirect(back)


@blp.route("/referentiels")
@auth.login_required("admin")
def references():
    registry = clients().registry()
    contracts = registry.contracts()
    rules = {c["id"]: registry.routing_rules(c["id"]) for c in contracts}
    pathways = [p for c in contracts for p in registry.pathways(c["id"])]
    return flask.render_template(
        "admin/references.html", contracts=contracts, rules=rules,
        categories=registry.need_categories(), pathways=pathways,
        organisations=clients().organisation_names(), kinds=KIND_LABELS)
