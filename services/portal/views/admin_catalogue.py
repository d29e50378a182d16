"""For an admin: need categories (create, rename, deactivate) and a contract's pathways
(list, create with ordered steps, edit, delete), over the registry's
`/need-categories` and `/contracts/<id>/pathways`."""

from __future__ import annotations

import re

import flask

from services.portal import auth
from services.portal.clients.base import ApiProblem
from services.portal.editing import FORM, form_errors, integer
from services.portal.views.admin_rules import _choices
from services.portal.views.common import clients

blp = flask.Blueprint("admin_catalogue", __name__, url_prefix="/admin")
CATEGORY_CODE = re.compile(r"^[a-z][a-z0-9_]{1,49}$")
STEP_FIELDS = ("position", "name", "need_category", "organisation_id")
EMPTY_STEPS = 3  # blank step rows offered under the existing ones (max 50 steps)
MAX_STEPS = 50


# -- need categories ------------------------------------------------------------------

@blp.route("/categories", methods=["GET", "POST"])
@auth.login_required("admin")
def categories():
    registry = clients().registry()
    values, errors = {}, {}
    if flask.request.method == "POST":
        values = {"code": flask.request.form.get("code", "").strip(),
                  "label": flask.request.form.get("label", "").strip()}
        if not CATEGORY_CODE.match(values["code"]):
            errors["code"] = ("Le code commence par une lettre minuscule, puis 1 à 49 "
                              "lettres minuscules, chiffres ou « _ » (ex. : acces_aux_droits).")
        if not values["label"] or len(values["label"]) > 200:
            errors["label"] = "Indiquez le libellé (200 caractères au plus)."
        if not errors:
            try:
                registry.create_need_category(values)
            except ApiProblem as exc:
                if exc.status not in (409, 422):
                    raise
                errors = form_errors(exc, ("code", "label"))
                if exc.status == 409:
                    errors = {"code": "Ce code existe déjà : choisissez-en un autre."}
            else:
                flask.flash(f"Catégorie « {values['label']} » créée.", "success")
                return flask.redirect(flask.url_for("admin_catalogue.categories"))
    return flask.render_template(
        "admin/categories.html", categories=registry.all_need_categories(), values=values,
        errors=errors, form_error=errors.get(FORM)), 422 if errors else 200


@blp.route("/categories/<code>", methods=["POST"])
@auth.login_required("admin")
def change_category(code):
    """Rename (`label`) or (de)activate (`active`): its code never changes."""
    if not CATEGORY_CODE.match(code):
        flask.abort(404)
    form = flask.request.form
    if form.get("change") == "label":
        label = form.get("label", "").strip()
        if not label or len(label) > 200:
            flask.flash("Le libellé est obligatoire (200 caractères au plus).", "error")
            return flask.redirect(flask.url_for("admin_catalogue.categories"))
        changes: dict = {"label": label}
        done = f"Catégorie renommée « {label} »."
    elif form.get("change") == "active":
        changes = {"active": form.get("active") == "true"}
        done = "Catégorie réactivée." if changes["active"] else (
            "Catégorie désactivée : elle n'est plus proposée pour un nouveau signalement.")
    else:
        flask.abort(400)
    try:
        clients().registry().update_need_category(code, changes)
    except ApiProblem as exc:
        if exc.status != 422:
            raise
        flask.flash("Modification refusée : " + next(iter(form_errors(
            exc, ("label", "active")).values())), "error")
    else:
        flask.flash(done, "success")
    return flask.redirect(flask.url_for("admin_catalogue.categories"))


# -- pathways -------------------------------------------------------------------------

def read_pathway(form) -> tuple[dict, dict, dict]:
    """(values to show again, API body, errors). Steps come as rows `steps.<i>.<field>`;
    a blank row is skipped; rows are ordered by their « ordre » then as shown, and
    numbered 1..n for the API."""
    values: dict = {"name": form.get("name", "").strip(), "active": form.get("active") == "true"}
    errors: dict = {}
    if not values["name"] or len(values["name"]) > 200:
        errors["name"] = "Indiquez le nom du parcours (200 caractères au plus)."
    rows = []
    for i in range(MAX_STEPS + EMPTY_STEPS):
        row = {f: form.get(f"steps.{i}.{f}", "").strip() for f in STEP_FIELDS}
        if any(row[f] for f in ("name", "need_category", "organisation_id")):
            rows.append((i, row))
    for i, row in rows:
        for name, message in (("name", "Indiquez le nom de l'étape."),
                              ("need_category", "Choisissez la catégorie de besoin."),
                              ("organisation_id", "Choisissez l'organisation.")):
            if not row[name]:
                errors[f"steps.{i}.{name}"] = message
        if row["position"] and integer(row["position"], 1, 999) is None:
            errors[f"steps.{i}.position"] = "L'ordre est un nombre entier positif."
    if not rows:
        errors["steps"] = "Un parcours compte au moins une étape."
    elif len(rows) > MAX_STEPS:
        errors["steps"] = f"Un parcours compte au plus {MAX_STEPS} étapes."
    ordered = sorted(rows, key=lambda r: (integer(r[1]["position"], 1, 999) or r[0] + 1, r[0]))
    # Shown again in the order they will have, numbered as the API will number them.
    values["steps"] = [{**row, "position": str(n)} for n, (_, row) in enumerate(ordered, 1)]
    body = {"name": values["name"], "active": values["active"], "steps": [
        {"position": n, "name": row["name"], "need_category": row["need_category"],
         "organisation_id": row["organisation_id"]} for n, (_, row) in enumerate(ordered, 1)]}
    # Errors on a row follow it to where it is shown again.
    moved = {i: n - 1 for n, (i, _) in enumerate(ordered, 1)}
    errors = {(_renumber(k, moved)): v for k, v in errors.items()}
    return values, body, errors


def _renumber(key: str, moved: dict[int, int]) -> str:
    parts = key.split(".")
    if len(parts) == 3 and parts[0] == "steps" and parts[1].isdigit():
        parts[1] = str(moved.get(int(parts[1]), parts[1]))
    return ".".join(parts)


def _step_fields(count: int) -> set[str]:
    return {"name", "active", "steps"} | {f"steps.{i}.{f}" for i in range(count)
                                          for f in STEP_FIELDS}


def _pathway_page(template: str, contract: dict, values: dict, errors: dict, **extra):
    rows = list(values.get("steps") or [])
    rows += [{"position": str(len(rows) + n + 1)} for n in range(EMPTY_STEPS)]
    return flask.render_template(
        template, contract=contract, values=values, errors=errors, step_rows=rows,
        form_error=errors.get(FORM), choices=_choices(contract), **extra), \
        422 if errors else 200


def _save(save, values: dict, body: dict, errors: dict) -> dict:
    """Call the API unless the form already has errors; the API's 422 as form errors."""
    if errors:
        return errors
    try:
        save(body)
    except ApiProblem as exc:
        if exc.status not in (409, 422):
            raise
        return form_errors(exc, _step_fields(len(body["steps"])))
    return {}


@blp.route("/contrats/<uuid:contract_id>/parcours", methods=["GET", "POST"])
@auth.login_required("admin")
def pathways(contract_id):
    registry = clients().registry()
    contract = registry.contract(str(contract_id))
    values: dict = {"active": True, "steps": []}
    errors: dict = {}
    if flask.request.method == "POST":
        values, body, errors = read_pathway(flask.request.form)
        errors = _save(lambda b: registry.create_pathway(str(contract_id), b),
                       values, body, errors)
        if not errors:
            flask.flash(f"Parcours « {values['name']} » créé.", "success")
            return flask.redirect(flask.url_for("admin_catalogue.pathways",
                                                contract_id=contract_id))
    return _pathway_page("admin/pathways.html", contract, values, errors,
                         pathways=registry.pathways(str(contract_id)),
                         names=clients().organisation_names(),
                         categories=clients().category_labels())


@blp.route("/contrats/<uuid:contract_id>/parcours/<uuid:pathway_id>",
           methods=["GET", "POST"])
@auth.login_required("admin")
def edit_pathway(contract_id, pathway_id):
    registry = clients().registry()
    contract = registry.contract(str(contract_id))
    pathway = registry.pathway(str(contract_id), str(pathway_id))
    values = {"name": pathway.get("name", ""), "active": pathway.get("active", True),
              "steps": [{"position": str(s.get("position", n)), "name": s.get("name", ""),
                         "need_category": s.get("need_category", ""),
                         "organisation_id": str(s.get("organisation_id") or "")}
                        for n, s in enumerate(pathway.get("steps") or [], 1)]}
    errors: dict = {}
    if flask.request.method == "POST":
        values, body, errors = read_pathway(flask.request.form)
        errors = _save(lambda b: registry.update_pathway(str(contract_id), str(pathway_id), b),
                       values, body, errors)
        if not errors:
            flask.flash(f"Parcours « {values['name']} » modifié.", "success")
            return flask.redirect(flask.url_for("admin_catalogue.pathways",
                                                contract_id=contract_id))
    return _pathway_page("admin/pathway_edit.html", contract, values, errors, pathway=pathway)


@blp.route("/contrats/<uuid:contract_id>/parcours/<uuid:pathway_id>/suppression",
           methods=["POST"])
@auth.login_required("admin")
def delete_pathway(contract_id, pathway_id):
    try:
        clients().registry().delete_pathway(str(contract_id), str(pathway_id))
    except ApiProblem as exc:
        if exc.status != 409:
            raise
        flask.flash("Ce parcours ne peut pas être supprimé : " + (
            exc.detail or "il est utilisé.") + " Désactivez-le plutôt.", "error")
    else:
        flask.flash("Parcours supprimé.", "success")
    return flask.redirect(flask.url_for("admin_catalogue.pathways", contract_id=contract_id))
