"""Debian's Chromium driven by Playwright (never a downloaded browser), axe-core injected
for accessibility checks, and screenshots kept under var/screenshots/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from shared.testing.processes import ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SCREENSHOTS = ROOT / "var" / "screenshots"
# WCAG 2.1 A/AA rules (the RGAA's basis) and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's browser with "
                    "`apt-get install -y chromium` (make install does)")


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                      headless=True)


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the current page, as readable lines.

    `evaluate` runs in the page without going through its Content-Security-Policy
    (which rightly refuses inline scripts)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS)
    return [f"{v['id']} ({v['impact']}): {v['help']} -> "
            + ", ".join(str(n["target"]) for n in v["nodes"][:3])
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def clean_screenshots() -> None:
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
