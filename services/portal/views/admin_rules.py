"""For an admin: the routing rules of a contract (where a need raised in a commune goes):
list, create, edit (precedence, communes, category, organisation), deactivate, delete.
Everything goes through the registry's `/contracts/<id>/routing-rules`; its 422s come
back next to the form's fields, in French."""

from __future__ import annotations

import flask

from services.portal import auth
from services.portal.clients.base import ApiProblem
from services.portal.editing import FORM, form_errors, integer
from services.portal.views.common import clients

blp = flask.Blueprint("admin_rules", __name__, url_prefix="/admin/contrats")
RULE_FIELDS = ("need_category", "organisation_id", "communes", "precedence", "active")
PRECEDENCE = (-1000, 1000)


def _choices(contract: dict, rule: dict | None = None) -> dict:
    """What the form offers: the contract's communes, active categories and active
    organisations (plus the rule's current ones, even if deactivated since)."""
    registry = clients().registry()
    current = rule or {}
    categories = [c for c in registry.all_need_categories()
                  if c.get("active", True) or c.get("code") == current.get("need_category")]
    organisations = [o for o in registry.all_organisations()
                     if o.get("active", True) or str(o.get("id")) ==
                     str(current.get("organisation_id"))]
    return {"communes": list(contract.get("communes") or []),
            "categories": [(c["code"], c.get("label") or c["code"]) for c in categories],
            "organisations": sorted(((str(o["id"]), o.get("name") or str(o["id"]))
                                     for o in organisations), key=lambda p: p[1].lower())}


def read_form(form, contract: dict) -> tuple[dict, dict, dict]:
    """(values to show again, API body, errors) from a submitted rule form."""
    values = {"need_category": form.get("need_category", "").strip(),
              "organisation_id": form.get("organisation_id", "").strip(),
              "communes": [c for c in form.getlist("communes") if c],
              "precedence": form.get("precedence", "0").strip() or "0",
              "active": form.get("active") == "true"}
    errors = {}
    if not values["need_category"]:
        errors["need_category"] = "Choisissez la catégorie de besoin."
    if not values["organisation_id"]:
        errors["organisation_id"] = "Choisissez l'organisation qui reçoit ces besoins."
    territory = set(contract.get("communes") or [])
    if any(c not in territory for c in values["communes"]):
        errors["communes"] = "Choisissez des communes du territoire du contrat."
    precedence = integer(values["precedence"], *PRECEDENCE)
    if precedence is None:
        errors["precedence"] = "La priorité est un nombre entier entre -1000 et 1000."
    body = {"need_category": values["need_category"],
            "organisation_id": values["organisation_id"], "communes": values["communes"],
            "precedence": precedence, "active": values["active"]}
    return values, body, errors


def _render(template: str, contract: dict, values: dict, errors: dict, **extra):
    return flask.render_template(
        template, contract=contract, values=values, errors=errors, form_error=errors.get(FORM),
        choices=_choices(contract, extra.get("rule")), **extra), 422 if errors else 200


@blp.route("/<uuid:contract_id>/regles", methods=["GET", "POST"])
@auth.login_required("admin")
def rules(contract_id):
    registry = clients().registry()
    contract = registry.contract(str(contract_id))
    values: dict = {"precedence": "0", "active": True, "communes": []}
    errors: dict = {}
    if flask.request.method == "POST":
        values, body, errors = read_form(flask.request.form, contract)
        if not errors:
            try:
                registry.create_routing_rule(str(contract_id), body)
            except ApiProblem as exc:
                if exc.status not in (409, 422):
                    raise
                errors = form_errors(exc, RULE_FIELDS)
            else:
                flask.flash("Règle d'orientation enregistrée.", "success")
                return flask.redirect(flask.url_for("admin_rules.rules",
                                                    contract_id=contract_id))
    return _render("admin/rules.html", contract, values, errors,
                   rules=registry.routing_rules(str(contract_id)),
                   names=clients().organisation_names(),
                   categories=clients().category_labels())


@blp.route("/<uuid:contract_id>/regles/<uuid:rule_id>", methods=["GET", "POST"])
@auth.login_required("admin")
def edit_rule(contract_id, rule_id):
    registry = clients().registry()
    contract = registry.contract(str(contract_id))
    rule = registry.routing_rule(str(contract_id), str(rule_id))
    values = {**rule, "precedence": str(rule.get("precedence", 0)),
              "organisation_id": str(rule.get("organisation_id") or ""),
              "communes": list(rule.get("communes") or [])}
    errors: dict = {}
    if flask.request.method == "POST":
        values, body, errors = read_form(flask.request.form, contract)
        if not errors:
            try:
                registry.update_routing_rule(str(contract_id), str(rule_id), body)
            except ApiProblem as exc:
                if exc.status not in (409, 422):
                    raise
                errors = form_errors(exc, RULE_FIELDS)
            else:
                flask.flash("Règle d'orientation modifiée.", "success")
                return flask.redirect(flask.url_for("admin_rules.rules",
                                                    contract_id=contract_id))
    return _render("admin/rule_edit.html", contract, values, errors, rule=rule)


@blp.route("/<uuid:contract_id>/regles/<uuid:rule_id>/active", methods=["POST"])
@auth.login_required("admin")
def toggle_rule(contract_id, rule_id):
    active = flask.request.form.get("active") == "true"
    clients().registry().update_routing_rule(str(contract_id), str(rule_id),
                                             {"active": active})
    flask.flash("Règle réactivée." if active else
                "Règle désactivée : ses besoins vont à la règle suivante ou au repli.",
                "success")
    return flask.redirect(flask.url_for("admin_rules.rules", contract_id=contract_id))


@blp.route("/<uuid:contract_id>/regles/<uuid:rule_id>/suppression", methods=["POST"])
@auth.login_required("admin")
def delete_rule(contract_id, rule_id):
    clients().registry().delete_routing_rule(str(contract_id), str(rule_id))
    flask.flash("Règle supprimée.", "success")
    return flask.redirect(flask.url_for("admin_rules.rules", contract_id=contract_id))
