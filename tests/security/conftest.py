"""The in-process world of the security suite, built once per session (~10 s)."""

from __future__ import annotations

import pytest

from tests.security.world import World


@pytest.fixture(scope="session")
def world(postgres_databases, redis_url, tmp_path_factory):
    built = World(postgres_databases, redis_url, tmp_path_factory.mktemp("security"))
    try:
        yield built.build()
    finally:
        built.close()


_OUTCOMES: dict[str, dict[str, int]] = {}
_TITLES = {
    "test_access_matrix": "every operation x every principal against the policy table",
    "test_object_access": "object-level access (another organisation's referral is a 404)",
    "test_tokens": "forged, expired, alg none, wrong audience/issuer/key tokens -> 401",
    "test_mass_assignment": "mass assignment of owner/organisation fields refused",
    "test_throttling_and_headers": "login throttling 429 + Retry-After, security headers",
    "test_nul_characters": "NUL characters refused with a 422, never a 500",
    "test_fuzz_openapi": "schemathesis fuzzing of every operation (no 5xx, no tokenless answer)",
}


def pytest_runtest_logreport(report):
    module = report.nodeid.split("::")[0].rsplit("/", 1)[-1].removesuffix(".py")
    if "tests/security/" not in report.nodeid or module not in _TITLES:
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        counts = _OUTCOMES.setdefault(module, {})
        counts[report.outcome] = counts.get(report.outcome, 0) + 1


def pytest_terminal_summary(terminalreporter):
    """The suite's counts, printed whatever the capture mode (issue 6 asks for them)."""
    if not _OUTCOMES:
        return
    terminalreporter.section("security suite counts")
    for module, title in _TITLES.items():
        counts = _OUTCOMES.get(module)
        if counts:
            shown = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
            terminalreporter.write_line(f"{title}: {shown}")
