"""The coordinator's CLS page, the admin pages, the inbox and the preferences."""

import re

import pytest

from tests.integration.portal.fakes import ACTION_ID, CONTRACT_ID, POSSESSION
from tests.integration.portal.test_referral_flow import NAME, submit

pytestmark = pytest.mark.integration


def test_the_cls_page_shows_plan_charts_governance_coverage_and_no_identity(
        portal, another_portal, fake_apis):
    portal.sign_in("medecin@example.org")
    submit(portal, action_id=ACTION_ID)
    another_portal.sign_in("coordination@example.org")
    assert another_portal.get("/cls").headers["Location"] == f"/cls/{CONTRACT_ID}"
    page = another_portal.get(f"/cls/{CONTRACT_ID}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Sport sur ordonnance" in html and "En cours" in html
    assert html.count("<svg") >= 3 and 'role="img"' in html  # statistics, fiches, indicators
    assert "150 personnes / cible 200" in html or "150 / cible 200" in html
    assert "Comité de pilotage" in html and "Mairie" in html
    assert 'class="gap"' in html and "(repli)" in html
    assert "A · Santé dans toutes les politiques" in html
    # Statistics by axis: the fiche's referral counted under its top axis.
    stats = re.search(r'data-testid="stats-table".*?</table>', html, re.S).group(0)
    assert "A Santé dans toutes les politiques" in stats
    assert re.search(r'data-testid="stat-total">1<', stats)
    by_commune = another_portal.get(f"/cls/{CONTRACT_ID}?par=commune").get_data(as_text=True)
    assert f"La Possession ({POSSESSION})" in by_commune
    assert NAME not in html and NAME not in by_commune
    assert "style=" not in html  # CSP: no inline style anywhere (charts included)


def test_statistics_down_is_said_in_french(another_portal, fake_apis):
    another_portal.sign_in("coordination@example.org")
    fake_apis.down = {"referrals"}
    html = another_portal.get(f"/cls/{CONTRACT_ID}").get_data(as_text=True)
    assert "les statistiques sont indisponibles" in html


def test_admin_pages_list_and_validate(another_portal, fake_apis):
    another_portal.sign_in("admin@example.org")
    assert another_portal.get("/admin").status_code == 200
    page = another_portal.get("/admin/organisations")
    assert page.status_code == 200 and "CCAS de La Possession" in page.get_data(as_text=True)
    refused = another_portal.post("/admin/organisations", {"name": "", "kind": "nope"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Indiquez le nom" in html and "Choisissez le type" in html
    created = another_portal.post("/admin/organisations", {"name": "MSP du Port",
                                                           "kind": "msp"})
    assert created.status_code == 302
    assert fake_apis.organisations[-1]["name"] == "MSP du Port"


def test_preferences_are_saved_one_by_one(portal, fake_apis):
    portal.sign_in("medecin@example.org")
    page = portal.get("/notifications/preferences").get_data(as_text=True)
    assert "Votre orientation a été acceptée" in page or "Signalement accepté" in page
    answer = portal.post("/notifications/preferences", {
        "pref:referrals.referral.accepted:email": "digest",
        "pref:referrals.referral.accepted:in_app": "digest"})  # no digest in the inbox
    assert answer.status_code == 302
    prefs = fake_apis.member("medecin@example.org")["preferences"]
    assert prefs[("referrals.referral.accepted", "email")] == "digest"
    assert prefs[("referrals.referral.accepted", "in_app")] == "immediately"


def test_the_inbox_is_empty_or_down_gracefully(portal, fake_apis):
    portal.sign_in("medecin@example.org")
    assert "Aucune notification." in portal.get("/notifications").get_data(as_text=True)
    fake_apis.down = {"notifications"}
    html = portal.get("/notifications").get_data(as_text=True)
    assert "Le service des notifications ne répond pas" in html


def test_the_commune_search_endpoint_serves_the_script(portal):
    portal.sign_in("medecin@example.org")
    found = portal.get("/communes/recherche?q=la possess").get_json()["items"]
    assert {"code": POSSESSION, "name": "La Possession"}.items() <= found[0].items()
    assert portal.get("/communes/recherche?q=p").get_json() == {"items": []}
