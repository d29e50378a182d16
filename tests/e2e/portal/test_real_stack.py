"""The portal over the real registry, referrals and notifications (processes, PostgreSQL,
Redis, demo data): the same loop a person goes through, at the HTTP level."""

import re

import pytest
import requests

from shared.testing.servers import wait_until
from tests.e2e.portal.stack import DEMO

pytestmark = pytest.mark.e2e
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """requests with a cookie jar and the form's CSRF token, like a person's browser."""

    def __init__(self, base: str):
        self.base = base
        self.http = requests.Session()

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.base + path, timeout=15, allow_redirects=False, **kwargs)

    def post(self, path: str, data: dict, form_page: str | None = None) -> requests.Response:
        page = self.get(form_page or path)
        token = CSRF.search(page.text).group(1)
        return self.http.post(self.base + path, data={**data, "csrf_token": token},
                              timeout=15, allow_redirects=False)

    def sign_in(self, role: str) -> None:
        email, password = DEMO[role]
        answer = self.post("/connexion", {"email": email, "password": password})
        assert answer.status_code == 302, answer.text[-2000:]


def test_a_need_goes_round_the_real_system(portal_stack):
    gp, agent = Browser(portal_stack.url), Browser(portal_stack.url)
    gp.sign_in("referrer")
    form = gp.get("/signalements/nouveau")
    assert form.status_code == 200, form.text[-3000:]
    assert "Logement" in form.text  # need categories from the registry
    sent = gp.post("/signalements/nouveau", {**FORM, "idempotency_key": "e2e-1"},
                   form_page="/signalements/nouveau")
    assert sent.status_code == 302, sent.text[-3000:]
    referral_path = sent.headers["Location"]
    referral_id = referral_path.rsplit("/", 1)[1]
    page = gp.get(referral_path)
    assert "CCAS de La Possession" in page.text

    agent.sign_in("handler")
    queue = agent.get("/ccas/file")
    assert queue.status_code == 200 and "HOARAU Zéphyrine" in queue.text, queue.text[-3000:]
    detail_path = f"/ccas/signalements/{referral_id}"
    detail = agent.get(detail_path)
    assert "Zéphyrine Hoarau" in detail.text
    etag = version_on(detail.text)
    accepted = agent.post(f"{detail_path}/action", {"action": "accept", "version": etag},
                          form_page=detail_path)
    assert accepted.status_code == 302
    assert "Accepté" in agent.get(detail_path).text
    stale = agent.post(f"{detail_path}/action", {"action": "start", "version": etag},
                       form_page=detail_path)
    assert stale.status_code == 302
    assert "modifié par quelqu" in agent.get(detail_path).text
    etag = version_on(agent.get(detail_path).text)
    done = agent.post(f"{detail_path}/action", {"action": "complete", "version": etag,
                                                "outcome_code": "need_met"},
                      form_page=detail_path)
    assert done.status_code == 302
    assert "Terminé" in agent.get(detail_path).text

    mine = gp.get(referral_path).text
    assert "Terminé" in mine and "Besoin couvert" in mine
    wait_until(lambda: 'data-testid="unread-count"' in gp.get("/signalements").text,
               timeout=30, interval=0.5, message="the GP's notification")
    inbox = gp.get("/notifications").text
    assert referral_path in inbox


FORM = {
    "beneficiary.first_name": "Zéphyrine", "beneficiary.last_name": "Hoarau",
    "beneficiary.birth_date": "1948-07-14", "commune_query": "La Possession",
    "need_category": "housing", "description": "Logement humide, enfant asthmatique.",
    "urgency": "normal", "consent.given": "yes", "consent.obtained_by": "Dr Démo",
    "consent.obtained_at": "2026-01-05", "consent.method": "oral",
    "consent.scope": "referral_and_follow_up",
}


def version_on(page: str) -> str:
    return re.search(r'name="version" value="([^"]+)"', page).group(1).replace("&#34;", '"')


def test_the_coordinator_sees_the_statistics(portal_stack):
    coordinator = Browser(portal_stack.url)
    coordinator.sign_in("coordinator")
    cls = coordinator.get("/cls")
    if cls.status_code == 302:
        cls = coordinator.get(cls.headers["Location"])
    assert cls.status_code == 200, cls.text[-2000:]
    assert "Zéphyrine" not in cls.text and "Hoarau" not in cls.text


MAIN_PAGES = {
    "referrer": ["/signalements", "/signalements/nouveau", "/notifications",
                 "/notifications/preferences"],
    "handler": ["/ccas/file", "/notifications"],
    "coordinator": ["/cls"],
}


def test_main_pages_answer_fast_with_the_demo_data(portal_stack):
    """Server time (the portal's own access lines) of each main page once warm."""
    import json
    import statistics

    timings = {}
    for role, paths in MAIN_PAGES.items():
        person = Browser(portal_stack.url)
        person.sign_in(role)
        if role == "coordinator":  # the contracts' list, then the biggest CLS page
            listing = person.get("/cls")
            found = re.findall(r'href="(/cls/[0-9a-f-]{36})"', listing.text)
            paths = [*paths, *found[:5]] if listing.status_code == 200 else [
                listing.headers["Location"]]
        for path in paths:
            person.get(path)  # warm: labels cached, referential loaded
            answer = person.get(path)
            assert answer.status_code == 200, (path, answer.status_code)
            request_id = answer.headers["X-Request-ID"]
            line = next(json.loads(raw) for raw in portal_stack.portal.output().splitlines()
                        if request_id in raw and '"http_request"' in raw)
            timings[f"{role} {path}"] = line["duration_ms"]
    print("portal server time (ms):", json.dumps(timings, indent=1))
    assert statistics.median(timings.values()) < 200, timings
    assert max(timings.values()) < 1000, timings


def _options(page: str, name: str) -> dict[str, str]:
    """{label: value} of a form's <select name=...>."""
    select = re.search(rf'<select[^>]*name="{re.escape(name)}".*?</select>', page, re.S).group(0)
    return {label: value for value, label in
            re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', select)}


def test_the_admin_editors_and_the_fiche_history_on_the_real_registry(portal_stack):
    """Rules, categories and pathways through the real API (what is created is removed:
    the next test routes a need of La Possession)."""
    admin = Browser(portal_stack.url)
    admin.sign_in("admin")
    references = admin.get("/admin/referentiels")
    assert references.status_code == 200, references.text[-2000:]
    rules_path = re.search(r'href="(/admin/contrats/[0-9a-f-]{36}/regles)"', references.text)[1]
    form = admin.get(rules_path).text
    organisation = next(iter(_options(form, "organisation_id").values()))
    commune = re.search(r'name="communes" value="(\d+)"', form)[1]
    refused = admin.post(rules_path, {"need_category": "inconnue", "precedence": "7",
                                      "organisation_id": organisation})
    assert refused.status_code == 422 and 'id="need_category-erreur"' in refused.text
    rule_link = rf'href="({re.escape(rules_path)}/[0-9a-f-]{{36}})"'
    before = set(re.findall(rule_link, form))
    created = admin.post(rules_path, {"need_category": "housing", "precedence": "-7",
                                      "organisation_id": organisation, "communes": commune,
                                      "active": "true"})
    assert created.status_code == 302, created.text[-2000:]
    listed = admin.get(rules_path).text
    (rule_path,) = set(re.findall(rule_link, listed)) - before
    assert 'value="-7"' in admin.get(rule_path).text
    assert admin.post(f"{rule_path}/suppression", {}, form_page=rules_path).status_code == 302
    assert rule_path not in admin.get(rules_path).text

    assert admin.post("/admin/categories", {"code": "e2e_mobilite",
                                            "label": "Mobilité"}).status_code == 302
    assert "e2e_mobilite" in admin.get("/admin/categories").text

    pathways_path = rules_path.replace("/regles", "/parcours")
    pathway_link = rf'href="({re.escape(pathways_path)}/[0-9a-f-]{{36}})"'
    before = set(re.findall(pathway_link, admin.get(pathways_path).text))
    created = admin.post(pathways_path, {
        "name": "Parcours e2e", "active": "true", "steps.0.name": "Première étape",
        "steps.0.need_category": "housing", "steps.0.organisation_id": organisation})
    assert created.status_code == 302, created.text[-2000:]
    listed = admin.get(pathways_path).text
    assert "Première étape" in listed
    (pathway_path,) = set(re.findall(pathway_link, listed)) - before
    assert admin.post(f"{pathway_path}/suppression", {},
                      form_page=pathways_path).status_code == 302
    assert "Parcours e2e" not in admin.get(pathways_path).text

    coordinator = Browser(portal_stack.url)
    coordinator.sign_in("coordinator")
    listing = coordinator.get("/cls")
    contracts = [listing.headers["Location"]] if listing.status_code == 302 else \
        re.findall(r'href="(/cls/[0-9a-f-]{36})"', listing.text)
    links = [link for path in contracts for link in re.findall(
        r'href="(/cls/fiches/[0-9a-f-]{36}/historique)"', coordinator.get(path).text)]
    assert links, contracts
    history = links[0]
    page = coordinator.get(history)
    assert page.status_code == 200 and "Historique de la fiche" in page.text


def test_a_registry_outage_does_not_stop_a_referral_being_sent_read_or_handled(portal_stack):
    """Last of the module: it stops the registry for good."""
    gp, agent = Browser(portal_stack.url), Browser(portal_stack.url)
    gp.sign_in("referrer")
    agent.sign_in("handler")
    gp.get("/signalements/nouveau")  # need categories now in the portal's cache
    registry = next(p for p in portal_stack.services.processes if p.name == "registry-api")
    registry.terminate()
    sent = gp.post("/signalements/nouveau", {**FORM, "beneficiary.first_name": "Ursule",
                                             "idempotency_key": "e2e-outage"},
                   form_page="/signalements/nouveau")
    assert sent.status_code == 302, sent.text[-3000:]
    referral_id = sent.headers["Location"].rsplit("/", 1)[1]
    detail_path = f"/ccas/signalements/{referral_id}"
    detail = agent.get(detail_path)
    assert detail.status_code == 200 and "Ursule Hoarau" in detail.text
    accepted = agent.post(f"{detail_path}/action", {"action": "accept",
                                                    "version": version_on(detail.text)},
                          form_page=detail_path)
    assert accepted.status_code == 302
    assert "Accepté" in agent.get(detail_path).text
