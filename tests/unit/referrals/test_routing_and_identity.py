"""Routing resolution, identity normalisation and the blind index."""

import uuid
from datetime import date

import pytest

from services.referrals.domain.identity import (
    Identity,
    birth_date_problem,
    normalise_name,
    normalised_identity,
)
from services.referrals.domain.routing import Contract, NoDestination, Rule, route
from services.referrals.store.cipher import BlindIndex

pytestmark = pytest.mark.unit

CCAS, CCAS_B, FALLBACK, MSP = (uuid.uuid4() for _ in range(4))
CLS = Contract(uuid.uuid4(), "active", frozenset({"94028", "94046"}), FALLBACK, 7, 21)


def rule(org, communes=(), precedence=0, category="housing", active=True, contract=CLS):
    return Rule(uuid.uuid4(), contract.id, frozenset(communes), category, org, precedence, active)


def test_the_highest_precedence_rule_covering_the_commune_wins():
    rules = [rule(CCAS), rule(CCAS_B, ["94046"], precedence=5), rule(MSP, precedence=9,
                                                                       active=False)]
    assert route("94046", "housing", [CLS], rules).organisation_id == CCAS_B
    assert route("94028", "housing", [CLS], rules).organisation_id == CCAS


def test_a_rule_naming_the_commune_beats_a_territory_wide_one_at_equal_precedence():
    rules = [rule(CCAS), rule(CCAS_B, ["94028"])]
    assert route("94028", "housing", [CLS], rules).organisation_id == CCAS_B


def test_no_rule_goes_to_the_fallback_with_the_contracts_delays():
    found = route("94028", "food", [CLS], [rule(CCAS)])
    assert (found.organisation_id, found.by_rule) == (FALLBACK, None)
    assert (found.reminder_after_days, found.expire_after_days) == (7, 21)


def test_inactive_organisations_are_skipped():
    assert route("94028", "housing", [CLS], [rule(CCAS)],
                 unavailable=frozenset({CCAS})).organisation_id == FALLBACK


@pytest.mark.parametrize("contracts,rules", [
    ([CLS], []),  # commune outside the territory
    ([Contract(uuid.uuid4(), "draft", frozenset({"15014"}), FALLBACK)], []),
    ([Contract(uuid.uuid4(), "active", frozenset({"15014"}), None)], []),
])
def test_never_nowhere(contracts, rules):
    with pytest.raises(NoDestination, match="15014"):
        route("15014", "housing", contracts, rules)


def test_a_rule_of_a_contract_not_covering_the_commune_does_not_apply():
    other = Contract(uuid.uuid4(), "active", frozenset({"15014"}), MSP)
    assert route("94028", "housing", [CLS, other],
                 [rule(MSP, precedence=99, contract=other)]).organisation_id == FALLBACK


@pytest.mark.parametrize("typed", ["Marie-Hélène  D'Arc", "marie helene d arc",
                                   "MARIE HÉLÈNE D’ARC", " Marie.Hélène-d'Arc "])
def test_names_normalise_to_one_form(typed):
    assert normalise_name(typed) == "marie helene d arc"


def test_the_blind_index_is_keyed_and_matches_the_same_person():
    a = Identity("Zoé", "Lœuvre", date(1950, 3, 14), "94028")
    b = Identity("zoe", "LOEUVRE", date(1950, 3, 14), "94028", phone="0600000000")
    key = BlindIndex(b"k" * 32)
    assert key.of(a) == key.of(b)
    assert BlindIndex(b"x" * 32).of(a) != key.of(a), "useless without the key"
    assert key.of(Identity("Zoé", "Lœuvre", date(1950, 3, 15), "94028")) != key.of(a)
    assert "Zo" not in key.of(a) and len(key.of(a)) == 64
    assert normalised_identity(a) == "zoe|loeuvre|1950-03-14|94028"
    with pytest.raises(ValueError):
        BlindIndex(b"short")


def test_birth_dates_must_be_plausible():
    today = date(2026, 1, 1)
    assert birth_date_problem(date(2026, 1, 2), today)
    assert birth_date_problem(date(1880, 1, 1), today)
    assert birth_date_problem(date(1950, 1, 1), today) is None
