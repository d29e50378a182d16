"""The referral form's rules, without HTTP."""

from datetime import date, timedelta

import pytest

from services.portal import intake

pytestmark = pytest.mark.unit

GOOD = {
    "beneficiary.first_name": "Ada", "beneficiary.last_name": "Payet",
    "beneficiary.birth_date": "1950-04-02", "need_category": "housing",
    "description": "Logement", "urgency": "normal", "consent.given": "yes",
    "consent.obtained_by": "Dr X", "consent.obtained_at": "2026-01-05",
    "consent.method": "oral", "consent.scope": "referral",
}


def test_a_complete_form_has_no_error():
    assert intake.check(GOOD) == {}


@pytest.mark.parametrize("name", ["beneficiary.first_name", "beneficiary.last_name",
                                  "beneficiary.birth_date", "need_category", "description",
                                  "consent.obtained_by", "consent.obtained_at",
                                  "consent.scope"])
def test_each_required_field_is_named(name):
    assert name in intake.check({**GOOD, name: "  "})


def test_no_consent_no_sending():
    assert "consentement" in intake.check({**GOOD, "consent.given": ""})["consent.given"]


@pytest.mark.parametrize("changes,field", [
    ({"beneficiary.birth_date": (date.today() + timedelta(days=2)).isoformat()},
     "beneficiary.birth_date"),
    ({"beneficiary.birth_date": "1850-01-01"}, "beneficiary.birth_date"),
    ({"beneficiary.birth_date": "31/12/1950"}, "beneficiary.birth_date"),
    ({"consent.obtained_at": (date.today() + timedelta(days=2)).isoformat()},
     "consent.obtained_at"),
    ({"consent.method": "telepathy"}, "consent.method"),
    ({"urgency": "extreme"}, "urgency"),
    ({"beneficiary.email": "pas-une-adresse"}, "beneficiary.email"),
    ({"beneficiary.phone": "abc"}, "beneficiary.phone"),
    ({"description": "x" * 2001}, "description"),
])
def test_bad_values_are_refused_in_french(changes, field):
    errors = intake.check({**GOOD, **changes})
    assert field in errors and errors[field][0].isupper()


def exists(code):
    return code in {"97408", "97411"}


def search(query):
    return {"saint denis": [{"code": "97411", "name": "Saint-Denis"},
                            {"code": "93066", "name": "Saint-Denis"}],
            "la possession": [{"code": "97408", "name": "La Possession"}]}.get(query.lower(), [])


@pytest.mark.parametrize("form,expected", [
    ({"beneficiary.commune": "97408"}, ("97408", [], None)),
    ({"commune_query": "La Possession (97408)"}, ("97408", [], None)),
    ({"commune_query": "La Possession"}, ("97408", [], None)),
])
def test_a_commune_is_resolved_to_its_insee_code(form, expected):
    assert intake.resolve_commune(form, search, exists) == expected


def test_an_ambiguous_or_unknown_commune_is_an_error():
    code, candidates, error = intake.resolve_commune({"commune_query": "Saint Denis"}, search,
                                                     exists)
    assert code is None and len(candidates) == 2 and "Plusieurs" in error
    assert intake.resolve_commune({"commune_query": "Nulle-part"}, search, exists)[2]
    assert intake.resolve_commune({"beneficiary.commune": "99999"}, search, exists)[2]
    assert intake.resolve_commune({}, search, exists)[2]


def test_the_api_body_is_nested_and_minimal():
    body = intake.body({**GOOD, "beneficiary.phone": "0262 00 00 00", "action_id": "a-1"},
                       "97408")
    assert body["beneficiary"] == {"first_name": "Ada", "last_name": "Payet",
                                   "birth_date": "1950-04-02", "commune": "97408",
                                   "phone": "0262 00 00 00"}
    assert body["consent"] == {"obtained_by": "Dr X",
                               "obtained_at": "2026-01-05T00:00:00+01:00",
                               "method": "oral", "scope": "referral"}
    assert body["action_id"] == "a-1" and "pathway_id" not in body


def test_api_errors_map_to_form_fields():
    by_field, others = intake.api_errors({
        "beneficiary.first_name": "Missing data for required field.",
        "last_name": "Trop long.", "consent": "Le consentement est requis.",
        "Idempotency-Key": "Clé déjà utilisée."})
    assert by_field == {"beneficiary.first_name": "Ce champ est obligatoire.",
                        "beneficiary.last_name": "Trop long.",
                        "consent.given": "Le consentement est requis."}
    assert others == ["Clé déjà utilisée."]
