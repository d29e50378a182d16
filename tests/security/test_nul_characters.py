"""A NUL character (U+0000) in a string is valid JSON and a valid URL escape, but
PostgreSQL text cannot hold it: the API must refuse it with a 4xx naming the field,
never let the database fail with a 500.

Found by the fuzz (tests/security/test_fuzz_openapi.py, which now leaves NUL out so
that it keeps looking for other faults). The cases that fail today are marked
xfail(strict=True) with what happens; each turns into a failure (XPASS) once fixed,
which is the cue to remove its mark. The likely fix belongs to shared/http (refuse
NUL in JSON strings and query values before any view runs), not to this suite.
"""

from __future__ import annotations

import pytest

from tests.security.world import intake

pytestmark = pytest.mark.security

NUL = "\u0000"
_500 = ("psycopg.DataError 'PostgreSQL text fields cannot contain NUL (0x00) bytes' "
        "escapes as 500 internal_error")


def _case(name, service, method, path, who, body=None, *, failing=False):
    # `failing` marks the cases that were 500s before shared/http refused NUL characters
    # (422 naming the field); they must stay fixed.
    return pytest.param(service, method, path, who, body, id=name)


CASES = [
    _case("sign-in e-mail (anonymous)", "registry", "POST", "/api/v1/auth/token", None,
          lambda w: {"email": f"a{NUL}@example.org", "password": "x"}, failing=True),
    _case("organisation name", "registry", "POST", "/api/v1/organisations", "admin",
          lambda w: {"name": f"CCAS{NUL}X", "kind": "ccas"}, failing=True),
    _case("axis code", "registry", "POST", "/api/v1/contracts/{contract_id}/axes",
          "coordinator", lambda w: {"code": f"Z{NUL}1", "title": "Axe"}, failing=True),
    _case("pathway step name", "registry", "POST", "/api/v1/contracts/{contract_id}/pathways",
          "coordinator", lambda w: {"name": "Parcours", "steps": [
              {"position": 1, "name": f"a{NUL}b", "need_category": "housing",
               "organisation_id": w.ids["organisation_id"]}]}, failing=True),
    _case("measurement note", "registry", "POST",
          "/api/v1/indicators/{indicator_id}/measurements", "coordinator",
          lambda w: {"measured_on": "2026-01-01", "value": 1, "note": f"n{NUL}"}, failing=True),
    _case("stats commune filter", "referrals", "GET", "/api/v1/stats?commune=97%0008",
          "coordinator", failing=True),
    _case("stats need_category filter", "referrals", "GET",
          "/api/v1/stats?need_category=a%00b", "coordinator", failing=True),
    _case("webhook url", "notifications", "POST", "/api/v1/webhooks", "coordinator",
          lambda w: {"organisation_id": w.ids["organisation_id"],
                     "url": f"https://a{NUL}b.example.org/x",
                     "event_types": ["referrals.referral.accepted"]}, failing=True),
    _case("referral consent author", "referrals", "POST", "/api/v1/referrals", "referrer",
          lambda w: intake(consent={"obtained_by": f"Dr{NUL}", "method": "oral",
                                    "obtained_at": "2026-01-05T10:00:00Z",
                                    "scope": "referral"}), failing=True),
    # What already holds.
    _case("communes search", "registry", "GET", "/api/v1/communes?q=Pos%00", "referrer"),
    _case("organisations commune filter", "registry", "GET",
          "/api/v1/organisations?commune=97%0008", "referrer"),
    _case("referral identity (encrypted)", "referrals", "POST", "/api/v1/referrals", "referrer",
          lambda w: intake(beneficiary={"first_name": f"A{NUL}", "last_name": "B",
                                        "birth_date": "1950-01-01", "commune": "97408"})),
    _case("shared message", "referrals", "POST", "/api/v1/referrals/{referral_id}/messages",
          "handler", lambda w: {"body": f"Bonjour{NUL}"}),
    _case("referral list commune filter", "referrals", "GET",
          "/api/v1/referrals?commune=97%0008", "handler"),
]


@pytest.mark.parametrize(("service", "method", "path", "who", "body"), CASES)
def test_a_nul_character_is_refused_not_a_server_error(world, service, method, path, who,
                                                        body):
    response = world.call(service, method, path.format(**world.ids), who,
                          json=body(world) if body else None)
    assert response.status_code < 500, response.get_json()
