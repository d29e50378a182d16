"""A person's journey through the real system, in Debian's Chromium.

The GP raises a need for a person of La Possession, the CCAS agent accepts and completes
it, the GP sees the outcome and a notification, the coordinator sees the statistic move.
Each main page is checked with axe-core (no serious or critical violation) and
screenshotted under var/screenshots/ (desktop, and the form on a phone).
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.portal.browser import (
    clean_screenshots,
    launch,
    require_chromium,
    screenshot,
    serious_violations,
)
from tests.e2e.portal.stack import DEMO

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    clean_screenshots()
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


class Person:
    """One browser context (its own cookies) for one demo account."""

    def __init__(self, browser, base: str, role: str, viewport=None):
        self.context = browser.new_context(base_url=base, locale="fr-FR",
                                           viewport=viewport or {"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.role = role
        self.checked: dict[str, list[str]] = {}

    def sign_in(self) -> None:
        email, password = DEMO[self.role]
        self.page.goto("/connexion")
        self.page.get_by_label("Adresse électronique").fill(email)
        self.page.get_by_label("Mot de passe").fill(password)
        self.page.get_by_role("button", name="Se connecter").click()
        self.page.wait_for_load_state()
        assert "/connexion" not in self.page.url, self.page.content()[-2000:]

    def check(self, name: str) -> None:
        """axe-core on the current page, and a screenshot."""
        screenshot(self.page, f"{self.role}-{name}")
        self.checked[name] = serious_violations(self.page)

    def close(self) -> None:
        self.context.close()


def commune_total(page) -> int:
    """The coordinator's count of referrals for La Possession (0 when not listed)."""
    row = page.locator("[data-testid=stats-table] tr", has_text="La Possession (97408)")
    if row.count() == 0:
        return 0
    return int(row.first.locator("[data-testid=stat-total]").inner_text())


def open_possession_cls(coordinator: Person) -> None:
    page = coordinator.page
    page.goto("/cls")
    link = page.get_by_role("link", name=re.compile("Possession"))
    if link.count():
        link.first.click()
    page.goto(page.url.split("?")[0].split("#")[0] + "?par=commune")


def test_the_whole_journey_in_a_browser(browser, portal_stack):
    base = portal_stack.url
    gp = Person(browser, base, "referrer")
    agent = Person(browser, base, "handler")
    coordinator = Person(browser, base, "coordinator")
    try:
        coordinator.sign_in()
        open_possession_cls(coordinator)
        before = commune_total(coordinator.page)

        # The sign-in page, checked before anyone signs in.
        gp.page.goto("/connexion")
        gp.check("connexion")
        gp.sign_in()
        gp.page.get_by_role("link", name="Signaler un besoin").first.click()
        gp.check("signaler-un-besoin")
        page = gp.page
        page.get_by_label("Prénom").fill("Zéphyrine")
        page.get_by_label(re.compile(r"^Nom")).fill("Grondin")
        page.get_by_label("Date de naissance").fill("1948-07-14")
        page.get_by_label("Commune de résidence ou de domiciliation").fill("La Possession")
        page.get_by_label("Nature du besoin").select_option(value="housing")
        page.get_by_label("Description du besoin").fill("Logement humide, enfant asthmatique.")
        page.get_by_label("Urgente").check()
        # Without the consent the form is refused, with the message next to the box.
        page.get_by_role("button", name="Envoyer le signalement").click()
        assert page.locator("#consent-given-erreur").is_visible()
        gp.check("signaler-un-besoin-erreurs")
        page.get_by_label("La personne a donné son accord").check()
        page.get_by_label("Consentement recueilli par").fill("Dr Démo")
        page.get_by_label("Date du consentement").fill("2026-01-05")
        page.get_by_label("Oralement").check()
        page.get_by_role("button", name="Envoyer le signalement").click()
        assert page.get_by_text("transmis à CCAS de La Possession").is_visible(), \
            page.content()[-3000:]
        referral_url = page.url
        gp.check("signalement-envoye")
        page.get_by_role("link", name="← Mes signalements").click()
        gp.check("mes-signalements")

        agent.sign_in()
        agent.page.goto("/ccas/file")
        agent.check("file-de-traitement")
        agent.page.get_by_role("row", name=re.compile("GRONDIN Zéphyrine")).get_by_role(
            "link").first.click()
        assert agent.page.get_by_test_id("beneficiary-name").inner_text() == "Zéphyrine Grondin"
        agent.check("signalement-a-traiter")
        agent.page.get_by_role("button", name="Accepter").click()
        assert agent.page.get_by_test_id("status").inner_text() == "Accepté"
        agent.page.get_by_label("Message au prescripteur").fill("Visite à domicile mardi.")
        agent.page.get_by_role("button", name="Envoyer le message").click()
        agent.page.get_by_label("Résultat").select_option(label="Besoin couvert")
        agent.page.get_by_role("button", name="Terminer").click()
        assert agent.page.get_by_test_id("status").inner_text() == "Terminé"

        page.goto(referral_url)
        assert page.get_by_test_id("status").inner_text() == "Terminé"
        assert page.get_by_test_id("outcome").inner_text() == "Besoin couvert"
        assert page.get_by_text("Visite à domicile mardi.").is_visible()
        for _ in range(60):  # the notification travels through Redis and a worker
            if page.get_by_test_id("unread-count").count():
                break
            page.wait_for_timeout(500)
            page.reload()
        assert int(page.get_by_test_id("unread-count").inner_text()) >= 1
        gp.check("signalement-termine")
        page.get_by_role("link", name=re.compile("Notifications")).click()
        assert page.get_by_test_id("notification").count() >= 1
        gp.check("notifications")
        page.get_by_role("link", name="Préférences").click()
        gp.check("preferences")

        open_possession_cls(coordinator)
        assert commune_total(coordinator.page) == before + 1
        assert "Grondin" not in coordinator.page.content()
        coordinator.check("pilotage-cls")

        phone = Person(browser, base, "referrer", viewport=PHONE)
        phone.sign_in()
        phone.page.goto("/signalements/nouveau")
        screenshot(phone.page, "telephone-signaler-un-besoin")
        phone.close()

        violations = {f"{p.role}/{name}": found for p in (gp, agent, coordinator)
                      for name, found in p.checked.items() if found}
        assert not violations, violations
    finally:
        for person in (gp, agent, coordinator):
            person.close()
