"""The registry's editor endpoints in the stand-in APIs: routing rules, need categories,
pathways, the contract-wide indicators and a fiche's history, with the 422s and 409s
the real registry answers (the real ones are tested in tests/integration/registry_*)."""

from __future__ import annotations

import uuid

import flask

POSSESSION = "97408"
SAINT_PAUL = "97415"


def _invalid(*errors):
    return {"code": "validation_failed", "detail": "Validation failed", "errors": [
        {"location": "json", "field": field, "message": message}
        for field, message in errors]}, 422


def install(app: flask.Flask, fake) -> None:  # noqa: C901 (one fake per route, kept together)
    fake.rules = []
    fake.pathways = []
    fake.categories = [{"code": "housing", "label": "Logement", "active": True},
                       {"code": "access_to_rights", "label": "Accès aux droits",
                        "active": True}]
    fake.contract_indicators = True  # False: answer 404 like a registry without it
    fake.histories = {}

    def organisation_problems(org_id, field):
        known = {o["id"]: o for o in fake.organisations}
        if org_id not in known:
            return [(field, "Organisme inconnu.")]
        if not known[org_id].get("active", True):
            return [(field, "Cet organisme est désactivé.")]
        return []

    def category_problems(code, field):
        return [] if any(c["code"] == code for c in fake.categories) else [
            (field, "Catégorie de besoin inconnue.")]

    def rule_problems(body):
        errors = []
        for i, code in enumerate(body.get("communes", [])):
            if code != POSSESSION:
                errors.append((f"communes.{i}",
                               f"La commune {code} n'est pas dans le territoire du contrat."))
        if "precedence" in body and not -1000 <= body["precedence"] <= 1000:
            errors.append(("precedence", "Must be greater than or equal to -1000 and less "
                                         "than or equal to 1000."))
        if "organisation_id" in body:
            errors += organisation_problems(body["organisation_id"], "organisation_id")
        if "need_category" in body:
            errors += category_problems(body["need_category"], "need_category")
        return errors

    def find(items, item_id):
        found = next((i for i in items if i["id"] == item_id), None)
        if found is None:
            flask.abort(flask.make_response(({"code": "not_found"}, 404)))
        return found

    @app.route("/api/v1/contracts/<contract_id>/routing-rules", methods=["GET", "POST"])
    def rules(contract_id):
        fake._principal()
        if flask.request.method == "GET":
            return {"items": fake.rules, "next": None}
        body = flask.request.get_json()
        errors = rule_problems(body)
        if errors:
            return _invalid(*errors)
        rule = {"communes": [], "precedence": 0, "active": True, **body,
                "id": str(uuid.uuid4()), "contract_id": contract_id, "version": 1}
        fake.rules.append(rule)
        return rule, 201

    @app.route("/api/v1/contracts/<contract_id>/routing-rules/<rule_id>",
               methods=["GET", "PATCH", "DELETE"])
    def rule(contract_id, rule_id):
        fake._principal()
        found = find(fake.rules, rule_id)
        if flask.request.method == "DELETE":
            fake.rules.remove(found)
            return "", 204
        if flask.request.method == "PATCH":
            body = flask.request.get_json()
            errors = rule_problems(body)
            if errors:
                return _invalid(*errors)
            found.update(body, version=found["version"] + 1)
        return found

    @app.route("/api/v1/need-categories", methods=["GET", "POST"])
    def categories():
        fake._principal()
        if flask.request.method == "GET":
            return {"items": fake.categories}
        body = flask.request.get_json()
        if any(c["code"] == body["code"] for c in fake.categories):
            return {"code": "code_taken", "detail": "Ce code existe déjà.", "errors": [
                {"location": "json", "field": "code", "message": "Code déjà utilisé."}]}, 409
        fake.categories.append({"active": True, **body})
        return fake.categories[-1], 201

    @app.patch("/api/v1/need-categories/<code>")
    def category(code):
        fake._principal()
        found = next((c for c in fake.categories if c["code"] == code), None)
        if found is None:
            return {"code": "not_found"}, 404
        body = flask.request.get_json()
        if body.get("label", "x").strip() == "":
            return _invalid(("label", "Shorter than minimum length 1."))
        found.update(body)
        return found

    def pathway_problems(contract_id, body, except_id=None):
        errors = []
        if any(p["name"] == body.get("name") and p["id"] != except_id
               for p in fake.pathways):
            errors.append(("name", "Ce contrat a déjà un parcours de ce nom."))
        for i, step in enumerate(body.get("steps", [])):
            if step["position"] != i + 1:
                errors.append((f"steps.{i}.position", "Positions 1..n attendues."))
            errors += organisation_problems(step["organisation_id"],
                                            f"steps.{i}.organisation_id")
            errors += category_problems(step["need_category"], f"steps.{i}.need_category")
        return errors

    @app.route("/api/v1/contracts/<contract_id>/pathways", methods=["GET", "POST"])
    def pathways(contract_id):
        fake._principal()
        if flask.request.method == "GET":
            return {"items": fake.pathways, "next": None}
        body = flask.request.get_json()
        errors = pathway_problems(contract_id, body)
        if errors:
            return _invalid(*errors)
        fake.pathways.append({**body, "id": str(uuid.uuid4()), "contract_id": contract_id,
                              "version": 1})
        return fake.pathways[-1], 201

    @app.route("/api/v1/contracts/<contract_id>/pathways/<pathway_id>",
               methods=["GET", "PATCH", "DELETE"])
    def pathway(contract_id, pathway_id):
        fake._principal()
        found = find(fake.pathways, pathway_id)
        if flask.request.method == "DELETE":
            fake.pathways.remove(found)
            return "", 204
        if flask.request.method == "PATCH":
            body = flask.request.get_json()
            errors = pathway_problems(contract_id, body, except_id=pathway_id)
            if errors:
                return _invalid(*errors)
            found.update(body, version=found["version"] + 1)
        return found

    @app.get("/api/v1/contracts/<contract_id>/indicators")
    def contract_indicators(contract_id):
        fake._principal()
        if not fake.contract_indicators:
            return {"code": "not_found"}, 404
        from tests.integration.portal.fakes import ACTION_ID
        return {"items": [{"id": "ind-1", "action_id": ACTION_ID, "action_code": "A2-1",
                           "unit": "personnes", "name": "Personnes suivies", "target": 200,
                           "baseline": 0, "source": "manual",
                           "current": {"value": 150, "measured_at": "2024-04-18"}}]}

    @app.get("/api/v1/actions/<action_id>/history")
    def history(action_id):
        fake._principal()
        if action_id not in fake.histories:
            return {"code": "not_found"}, 404
        return fake.histories[action_id]
