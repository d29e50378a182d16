"""The referrer raises a need, the CCAS handles it, the referrer learns the outcome."""

import re

import pytest

pytestmark = pytest.mark.integration

NAME = "Zéphyrine"
FORM = {
    "beneficiary.first_name": NAME, "beneficiary.last_name": "Payet",
    "beneficiary.birth_date": "1950-04-02", "commune_query": "La Possession",
    "need_category": "housing", "description": "Logement insalubre, humidité.",
    "urgency": "urgent", "consent.given": "yes", "consent.obtained_by": "Dr Exemple",
    "consent.obtained_at": "2026-01-05", "consent.method": "oral",
    "consent.scope": "referral_and_follow_up", "idempotency_key": "k-1",
}


def submit(portal, **changes):
    return portal.post("/signalements/nouveau", {**FORM, **changes})


def referral_id_of(answer) -> str:
    return re.search(r"/signalements/([0-9a-f-]{36})", answer.headers["Location"]).group(1)


def test_the_form_cannot_be_sent_without_consent(portal, fake_apis):
    portal.sign_in("medecin@example.org")
    answer = submit(portal, **{"consent.given": ""})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "ne peut être envoyé qu&#39;avec le consentement" in html
    assert 'id="consent-given-erreur"' in html and 'aria-invalid="true"' in html
    assert not fake_apis.referrals
    assert NAME in html  # what was typed is kept


def test_each_missing_field_gets_its_own_french_message(portal, fake_apis):
    portal.sign_in("medecin@example.org")
    answer = portal.post("/signalements/nouveau", {"urgency": "normal"},
                         form_page="/signalements/nouveau")
    html = answer.get_data(as_text=True)
    for message in ("Indiquez le prénom", "Indiquez le nom", "date de naissance",
                    "Choisissez la nature du besoin", "commune de résidence",
                    "qui a recueilli le consentement"):
        assert message in html


def test_an_ambiguous_commune_is_offered_as_a_choice(portal, fake_apis):
    portal.sign_in("medecin@example.org")
    answer = submit(portal, commune_query="Saint-Denis")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "Plusieurs communes correspondent" in html
    assert '<option value="97411">' in html  # Saint-Denis de La Réunion
    assert not fake_apis.referrals
    chosen = submit(portal, commune_query="", **{"beneficiary.commune": "97411"})
    assert chosen.status_code == 302


def test_the_api_422_lands_next_to_its_field_in_french(portal, fake_apis):
    portal.sign_in("medecin@example.org")
    answer = submit(portal, **{"beneficiary.last_name": "REFUSE"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="beneficiary-last_name-erreur">Ce champ est obligatoire.' in html


def test_the_whole_loop(portal, another_portal, fake_apis, capsys):
    portal.sign_in("medecin@example.org")
    sent = submit(portal)
    assert sent.status_code == 302
    referral_id = referral_id_of(sent)
    (stored,) = fake_apis.referrals.values()
    assert stored["beneficiary"]["commune"] == "97408"
    assert stored["consent"] == {"obtained_by": "Dr Exemple",
                                 "obtained_at": "2026-01-05T00:00:00+01:00",
                                 "method": "oral", "scope": "referral_and_follow_up"}
    posts = [h for m, p, h in fake_apis.requests if m == "POST" and p == "/api/v1/referrals"]
    assert posts[0]["Idempotency-Key"] == "k-1" and posts[0]["X-Request-Id"]
    # A double submission (same form, same key) creates nothing new.
    assert submit(portal).status_code == 302 and len(fake_apis.referrals) == 1

    page = portal.get(f"/signalements/{referral_id}").get_data(as_text=True)
    assert "transmis à CCAS de La Possession" in page and "Nouveau" in page

    another_portal.sign_in("agent@example.org")
    queue = another_portal.get("/ccas/file").get_data(as_text=True)
    assert 'data-testid="counter-new">1<' in queue and "Urgente" in queue
    assert "PAYET Zéphyrine" in queue  # the receiving organisation's queue (audited by the API)
    detail = another_portal.get(f"/ccas/signalements/{referral_id}")
    html = detail.get_data(as_text=True)
    assert f"{NAME} Payet" in html and "journal des accès" in html
    assert fake_apis.audit[-1] == (fake_apis.member("agent@example.org")["id"], referral_id)
    assert 'data-testid="unread-count">1<' in html

    action = f"/ccas/signalements/{referral_id}/action"
    accepted = another_portal.post(action, {"action": "accept", "version": 'W/"1"'},
                                   form_page=f"/ccas/signalements/{referral_id}")
    assert accepted.status_code == 302
    assert stored["status"] == "accepted"
    # A second agent working from the old page: refused, never silently overwritten.
    stale = another_portal.post(action, {"action": "hold", "version": 'W/"1"'},
                                form_page=f"/ccas/signalements/{referral_id}")
    assert stale.status_code == 302 and stored["status"] == "accepted"
    assert "modifié par quelqu" in another_portal.get(
        f"/ccas/signalements/{referral_id}").get_data(as_text=True)
    no_outcome = another_portal.post(action, {"action": "complete", "version": 'W/"2"'},
                                     form_page=f"/ccas/signalements/{referral_id}")
    assert no_outcome.status_code == 302 and stored["status"] == "accepted"
    another_portal.post(f"/signalements/{referral_id}/messages",
                        {"body": "Visite prévue la semaine prochaine.", "from": "handler"},
                        form_page=f"/ccas/signalements/{referral_id}")
    another_portal.post(f"/ccas/signalements/{referral_id}/notes", {"body": "Note interne"},
                        form_page=f"/ccas/signalements/{referral_id}")
    done = another_portal.post(action, {"action": "complete", "version": 'W/"2"',
                                        "outcome_code": "need_met"},
                               form_page=f"/ccas/signalements/{referral_id}")
    assert done.status_code == 302 and stored["status"] == "completed"

    mine = portal.get(f"/signalements/{referral_id}").get_data(as_text=True)
    assert "Terminé" in mine and "Besoin couvert" in mine
    assert "Visite prévue la semaine prochaine." in mine and "Note interne" not in mine
    assert 'data-testid="unread-count">2<' in mine
    inbox = portal.get("/notifications").get_data(as_text=True)
    assert "Votre orientation est terminée" in inbox and f"/signalements/{referral_id}" in inbox
    portal.post("/notifications/tout-lu", form_page="/notifications")
    assert "unread-count" not in portal.get("/notifications").get_data(as_text=True)

    # No identity in any URL the portal called, nor in its log lines.
    assert all(NAME not in p for _m, p, _h in fake_apis.requests)
    portal_lines = [line for line in capsys.readouterr().out.splitlines()
                    if "service=portal" in line and "werkzeug" not in line]
    assert portal_lines and not [line for line in portal_lines if NAME in line or "Payet" in line]


def test_csv_export_is_offered_to_the_handler(portal, another_portal, fake_apis):
    portal.sign_in("medecin@example.org")
    submit(portal)
    another_portal.sign_in("agent@example.org")
    export = another_portal.get("/ccas/export.csv?status=requested")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert "attachment" in export.headers["Content-Disposition"]
    assert export.get_data(as_text=True).count("\n") == 2


def test_a_registry_outage_does_not_stop_handling(portal, another_portal, fake_apis):
    portal.sign_in("medecin@example.org")
    referral_id = referral_id_of(submit(portal))
    another_portal.sign_in("agent@example.org")
    fake_apis.down = {"registry"}
    page = another_portal.get(f"/ccas/signalements/{referral_id}")
    assert page.status_code == 200 and NAME in page.get_data(as_text=True)
    accepted = another_portal.post(f"/ccas/signalements/{referral_id}/action",
                                   {"action": "accept", "version": 'W/"1"'},
                                   form_page=f"/ccas/signalements/{referral_id}")
    assert accepted.status_code == 302
    assert fake_apis.referrals[referral_id]["status"] == "accepted"
    assert another_portal.get("/ccas/file").status_code == 200


def test_services_down_are_told_in_french(portal, fake_apis):
    portal.sign_in("medecin@example.org")
    fake_apis.down = {"notifications", "referrals"}
    page = portal.get("/signalements")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Le service des signalements ne répond pas" in html
    assert "unread-count" not in html  # the bell stays, without a number
    sent = submit(portal)
    assert sent.status_code == 503
    assert "n&#39;a pas été envoyé" in sent.get_data(as_text=True)
    detail = portal.get("/signalements/00000000-0000-4000-8000-000000000001")
    assert detail.status_code == 503
    assert "service des signalements" in detail.get_data(as_text=True)


def test_an_unknown_referral_is_a_french_404(portal, another_portal, fake_apis):
    portal.sign_in("medecin@example.org")
    referral_id = referral_id_of(submit(portal))
    another_portal.sign_in("coordination@example.org")
    assert another_portal.get(f"/ccas/signalements/{referral_id}").status_code == 403
    answer = portal.get("/signalements/00000000-0000-4000-8000-000000000001")
    assert answer.status_code == 404 and "Page introuvable" in answer.get_data(as_text=True)


def test_the_referrer_can_withdraw_an_open_need(portal, fake_apis):
    portal.sign_in("medecin@example.org")
    referral_id = referral_id_of(submit(portal))
    page = f"/signalements/{referral_id}"
    assert "Annuler ce signalement" in portal.get(page).get_data(as_text=True)
    stale = portal.post(f"{page}/annuler", {"version": 'W/"9"'}, form_page=page)
    assert stale.status_code == 302
    assert fake_apis.referrals[referral_id]["status"] == "requested"
    done = portal.post(f"{page}/annuler", {"version": 'W/"1"', "comment": "Résolu"},
                       form_page=page)
    assert done.status_code == 302
    assert fake_apis.referrals[referral_id]["status"] == "cancelled"
    assert "Annuler ce signalement" not in portal.get(page).get_data(as_text=True)
