"""E-mail text from French Jinja2 templates (HTML autoescaped, plain text alongside).

Templates receive only the whitelisted facts below (a reference, category,
commune, organisations, status, dates, a link), never the raw event: whatever an
event might carry, a template has no way to render a person's name.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

SHOWN_FACTS = (
    "title", "reference", "urgency", "category_label", "commune_name", "status_label",
    "referrer_organisation_name", "receiving_organisation_name",
    "previous_organisation_name", "body_name", "starts_at_label",
)
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")

_environment = Environment(
    loader=FileSystemLoader(Path(__file__).parent.parent / "templates" / "email"),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


def shown_facts(summary: dict, portal_url: str) -> dict:
    facts = {name: summary.get(name) for name in SHOWN_FACTS}
    facts["link"] = portal_url.rstrip("/") + summary.get("path", "/")
    return facts


def notification(summary: dict, portal_url: str) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of one notification."""
    facts = shown_facts(summary, portal_url)
    return ("[Relais] " + facts["title"],
            _environment.get_template("notification.txt.j2").render(f=facts),
            _environment.get_template("notification.html.j2").render(f=facts))


def day_label(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def digest(items: list[dict], day: date, portal_url: str) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of a member's daily digest."""
    facts = [shown_facts(item, portal_url) for item in items]
    subject = f"[Relais] Récapitulatif du {day_label(day)} ({len(items)})"
    context = {"items": facts, "day_label": day_label(day), "subject": subject}
    return (subject, _environment.get_template("digest.txt.j2").render(**context),
            _environment.get_template("digest.html.j2").render(**context))
