"""The admin editors (routing rules, need categories, pathways), the fiche history page,
and the CLS page's single call for every indicator (with its per-fiche fallback)."""

import html as html_module
import re

import pytest

from tests.integration.portal.fake_editors import SAINT_PAUL
from tests.integration.portal.fakes import ACTION_ID, CCAS_ID, CONTRACT_ID, POSSESSION

pytestmark = pytest.mark.integration

RULES = f"/admin/contrats/{CONTRACT_ID}/regles"
PATHWAYS = f"/admin/contrats/{CONTRACT_ID}/parcours"


@pytest.fixture
def admin(another_portal):
    another_portal.sign_in("admin@example.org")
    return another_portal


def text(response):
    return html_module.unescape(response.get_data(as_text=True))


def test_routing_rules_are_created_edited_deactivated_and_deleted(admin, fake_apis):
    page = admin.get(RULES)
    assert page.status_code == 200
    assert "Aucune règle" in text(page) and "La Possession (97408)" in text(page)
    created = admin.post(RULES, {"need_category": "housing", "organisation_id": CCAS_ID,
                                 "communes": POSSESSION, "precedence": "5", "active": "true"})
    assert created.status_code == 302 and created.headers["Location"] == RULES
    (rule,) = fake_apis.rules
    assert (rule["need_category"], rule["organisation_id"], rule["communes"],
            rule["precedence"], rule["active"]) == ("housing", CCAS_ID, [POSSESSION], 5, True)
    listed = text(admin.get(RULES))
    assert "Règle d'orientation enregistrée." in listed
    table = re.search(r'data-testid="rules-table".*?</table>', listed, re.S).group(0)
    assert "Logement" in table and "CCAS de La Possession" in table and ">5<" in table

    edit = f"{RULES}/{rule['id']}"
    form = text(admin.get(edit))
    assert 'value="5"' in form and f'value="{POSSESSION}" checked' in form
    edited = admin.post(edit, {"need_category": "access_to_rights", "organisation_id": CCAS_ID,
                               "precedence": "-3", "active": "true"})  # no commune: everywhere
    assert edited.status_code == 302
    assert (rule["need_category"], rule["communes"], rule["precedence"]) == \
        ("access_to_rights", [], -3)
    assert "Tout le territoire" in text(admin.get(RULES))

    toggled = admin.post(f"{edit}/active", {"active": "false"}, form_page=RULES)
    assert toggled.status_code == 302 and rule["active"] is False
    assert "Règle désactivée" in text(admin.get(RULES))
    deleted = admin.post(f"{edit}/suppression", {}, form_page=RULES)
    assert deleted.status_code == 302 and fake_apis.rules == []


def test_a_refused_rule_says_why_in_french_next_to_the_field(admin, fake_apis):
    missing = admin.post(RULES, {"need_category": "", "organisation_id": "",
                                 "precedence": "beaucoup"})
    html = text(missing)
    assert missing.status_code == 422
    assert "Choisissez la catégorie de besoin." in html
    assert "Choisissez l'organisation qui reçoit ces besoins." in html
    assert "La priorité est un nombre entier" in html
    assert 'id="precedence-erreur"' in html and 'aria-invalid="true"' in html
    assert fake_apis.rules == []
    # Out of bounds: refused before the API, next to its field, in French.
    refused = admin.post(RULES, {"need_category": "housing", "organisation_id": CCAS_ID,
                                 "precedence": "5000"})
    assert refused.status_code == 422
    assert "La priorité est un nombre entier entre -1000 et 1000." in text(refused)
    # A commune outside the territory: the form refuses it, the API would name communes.0.
    outside = admin.post(RULES, {"need_category": "housing", "organisation_id": CCAS_ID,
                                 "communes": SAINT_PAUL, "precedence": "0"})
    assert outside.status_code == 422
    assert "Choisissez des communes du territoire du contrat." in text(outside)
    assert fake_apis.rules == []


def test_api_errors_map_to_the_form_fields(admin, fake_apis):
    """An organisation deactivated meanwhile: the registry's 422 on organisation_id."""
    fake_apis.organisations.append({"id": "00000000-0000-4000-8000-0000000000de",
                                    "name": "Ancien CCAS", "kind": "ccas", "active": False})
    refused = admin.post(RULES, {"need_category": "housing", "precedence": "0",
                                 "organisation_id": "00000000-0000-4000-8000-0000000000de"})
    html = text(refused)
    assert refused.status_code == 422
    assert re.search(r'id="organisation_id-erreur">Cet organisme est désactivé', html)


def test_rule_pages_need_the_admin_role_and_csrf(portal, admin, fake_apis):
    portal.sign_in("coordination@example.org")
    assert portal.get(RULES).status_code == 403
    assert portal.get("/admin/categories").status_code == 403
    assert portal.get(PATHWAYS).status_code == 403
    no_token = admin.http.post(RULES, data={"need_category": "housing",
                                            "organisation_id": CCAS_ID})
    assert no_token.status_code == 400 and "Formulaire expiré" in text(no_token)
    assert fake_apis.rules == []


def test_need_categories_are_created_renamed_and_deactivated(admin, fake_apis):
    page = admin.get("/admin/categories")
    assert page.status_code == 200 and "access_to_rights" in text(page)
    bad = admin.post("/admin/categories", {"code": "Mobilité!", "label": ""})
    assert bad.status_code == 422
    assert "Le code commence par une lettre minuscule" in text(bad)
    assert "Indiquez le libellé" in text(bad)
    taken = admin.post("/admin/categories", {"code": "housing", "label": "Habitat"})
    assert taken.status_code == 422 and "Ce code existe déjà" in text(taken)
    created = admin.post("/admin/categories", {"code": "mobility", "label": "Mobilité"})
    assert created.status_code == 302
    assert fake_apis.categories[-1] == {"code": "mobility", "label": "Mobilité", "active": True}
    renamed = admin.post("/admin/categories/mobility", {"change": "label",
                                                        "label": "Mobilité et transport"},
                         form_page="/admin/categories")
    assert renamed.status_code == 302
    assert fake_apis.categories[-1]["label"] == "Mobilité et transport"
    empty = admin.post("/admin/categories/mobility", {"change": "label", "label": " "},
                       form_page="/admin/categories")
    assert empty.status_code == 302 and fake_apis.categories[-1]["label"] != " "
    assert "Le libellé est obligatoire" in text(admin.get("/admin/categories"))
    off = admin.post("/admin/categories/mobility", {"change": "active", "active": "false"},
                     form_page="/admin/categories")
    assert off.status_code == 302 and fake_apis.categories[-1]["active"] is False
    html = text(admin.get("/admin/categories"))
    assert "Catégorie désactivée" in html and "Réactiver<span" in html


def test_pathways_are_created_with_ordered_steps_edited_and_deleted(admin, fake_apis):
    fake_apis.organisations.append({"id": "00000000-0000-4000-8000-00000000b5b5",
                                    "name": "Maison Sport Santé", "kind": "sport_health_house",
                                    "active": True})
    page = admin.get(PATHWAYS)
    assert page.status_code == 200 and "Aucun parcours." in text(page)
    assert text(page).count('data-testid="step-row"') == 3
    created = admin.post(PATHWAYS, {
        "name": "Sport sur ordonnance", "active": "true",
        # Typed in the wrong order: « ordre » puts them right.
        "steps.0.position": "2", "steps.0.name": "Activité physique adaptée",
        "steps.0.need_category": "housing", "steps.0.organisation_id": CCAS_ID,
        "steps.1.position": "1", "steps.1.name": "Bilan sport santé",
        "steps.1.need_category": "access_to_rights",
        "steps.1.organisation_id": "00000000-0000-4000-8000-00000000b5b5"})
    assert created.status_code == 302, text(created)
    (pathway,) = fake_apis.pathways
    assert [(s["position"], s["name"]) for s in pathway["steps"]] == [
        (1, "Bilan sport santé"), (2, "Activité physique adaptée")]
    listed = text(admin.get(PATHWAYS))
    assert "Parcours « Sport sur ordonnance » créé." in listed
    assert listed.index("Bilan sport santé") < listed.index("Activité physique adaptée")

    edit = f"{PATHWAYS}/{pathway['id']}"
    form = text(admin.get(edit))
    assert form.count('data-testid="step-row"') == 5 and 'value="Bilan sport santé"' in form
    edited = admin.post(edit, {"name": "Sport sur ordonnance", "active": "true",
                               "steps.0.position": "1", "steps.0.name": "Bilan",
                               "steps.0.need_category": "access_to_rights",
                               "steps.0.organisation_id": CCAS_ID})  # second step emptied
    assert edited.status_code == 302
    assert [s["name"] for s in pathway["steps"]] == ["Bilan"] and pathway["active"] is True
    deleted = admin.post(f"{edit}/suppression", {}, form_page=PATHWAYS)
    assert deleted.status_code == 302 and fake_apis.pathways == []


def test_a_refused_pathway_says_why_next_to_the_step(admin, fake_apis):
    nothing = admin.post(PATHWAYS, {"name": ""})
    assert nothing.status_code == 422
    assert "Indiquez le nom du parcours" in text(nothing)
    assert "Un parcours compte au moins une étape." in text(nothing)
    half = admin.post(PATHWAYS, {"name": "Parcours", "steps.0.name": "Étape sans organisme"})
    assert half.status_code == 422
    assert re.search(r'id="steps-0-organisation_id-erreur">Choisissez l.organisation',
                     text(half))
    assert re.search(r'id="steps-0-need_category-erreur">Choisissez la catégorie', text(half))
    # The API refuses the second step's organisation (deactivated): shown on that step.
    fake_apis.organisations.append({"id": "00000000-0000-4000-8000-0000000000de",
                                    "name": "Ancien CCAS", "kind": "ccas", "active": False})
    refused = admin.post(PATHWAYS, {
        "name": "Parcours", "steps.0.name": "Un", "steps.0.need_category": "housing",
        "steps.0.organisation_id": CCAS_ID, "steps.1.name": "Deux",
        "steps.1.need_category": "housing",
        "steps.1.organisation_id": "00000000-0000-4000-8000-0000000000de"})
    assert refused.status_code == 422
    assert re.search(r'id="steps-1-organisation_id-erreur">Cet organisme est désactivé',
                     text(refused))
    assert 'value="Deux"' in text(refused)
    assert fake_apis.pathways == []


def test_the_cls_page_reads_every_indicator_in_one_call(another_portal, fake_apis):
    another_portal.sign_in("coordination@example.org")
    html = text(another_portal.get(f"/cls/{CONTRACT_ID}"))
    assert "Personnes suivies" in html and "A2-1" in html
    paths = [path for _, path, _ in fake_apis.requests]
    assert f"/api/v1/contracts/{CONTRACT_ID}/indicators" in paths
    assert f"/api/v1/actions/{ACTION_ID}/indicators" not in paths


def test_the_cls_page_falls_back_to_one_call_per_fiche(another_portal, fake_apis):
    fake_apis.contract_indicators = False
    another_portal.sign_in("coordination@example.org")
    html = text(another_portal.get(f"/cls/{CONTRACT_ID}"))
    assert "Personnes suivies" in html and "A2-1" in html
    paths = [path for _, path, _ in fake_apis.requests]
    assert f"/api/v1/actions/{ACTION_ID}/indicators" in paths


def test_the_fiche_history_page(another_portal, fake_apis):
    older = {"id": "00000000-0000-4000-8000-0000000000e1", "code": "JEUNES",
             "title": "Santé des jeunes", "status": "done", "contract_id": CONTRACT_ID,
             "contract_name": "CLS2 La Possession"}
    fiche = {"id": ACTION_ID, "code": "A2-1", "title": "Sport sur ordonnance",
             "status": "in_progress", "contract_id": CONTRACT_ID,
             "contract_name": "CLS de La Possession"}
    fake_apis.histories[ACTION_ID] = {"action": fiche, "steps": [
        {"generation": 0, "relation": "merged", "note": "passage au CLS3",
         "source": older, "target": fiche}]}
    another_portal.sign_in("coordination@example.org")
    cls = text(another_portal.get(f"/cls/{CONTRACT_ID}"))
    assert f'href="/cls/fiches/{ACTION_ID}/historique"' in cls
    page = another_portal.get(f"/cls/fiches/{ACTION_ID}/historique")
    html = text(page)
    assert page.status_code == 200
    assert "Historique de la fiche A2-1" in html
    past = re.search(r'data-testid="history-past".*?</ul>', html, re.S).group(0)
    assert "JEUNES" in past and "fusionnée" in past and "passage au CLS3" in past
    assert "Aucun contrat suivant ne reprend encore cette fiche." in html
    unknown = another_portal.get("/cls/fiches/00000000-0000-4000-8000-000000000000/historique")
    assert unknown.status_code == 404


def test_the_references_page_links_to_the_editors(admin):
    html = text(admin.get("/admin/referentiels"))
    assert RULES in html and PATHWAYS in html and "/admin/categories" in html
