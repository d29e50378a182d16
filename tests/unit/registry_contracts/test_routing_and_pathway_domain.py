"""Routing resolution (precedence, specificity, fallback) and pathway steps."""

import uuid

import pytest

from services.registry.domain.contracts import Invalid
from services.registry.domain.pathways import Pathway, Step
from services.registry.domain.routing import (
    BY_FALLBACK,
    BY_RULE,
    UNROUTED,
    RoutingRule,
    coverage,
    resolve,
    territory_problems,
)

pytestmark = pytest.mark.unit

CONTRACT = uuid.uuid4()
TERRITORY = ("85047", "85096", "85234")
CCAS, CLSM, CIAS, FALLBACK = (uuid.uuid4() for _ in range(4))


def rule(category="mental_health", organisation=CLSM, communes=(), precedence=0, active=True,
         id=None):
    return RoutingRule(contract_id=CONTRACT, need_category=category,
                       organisation_id=organisation, communes=communes,
                       precedence=precedence, active=active, id=id or uuid.uuid4())


def where(rules, commune="85047", category="mental_health", fallback=FALLBACK):
    return resolve(rules, territory=TERRITORY, fallback_organisation_id=fallback,
                   commune=commune, need_category=category)


def test_no_rule_goes_to_the_fallback_never_nowhere():
    found = where([])
    assert (found.organisation_id, found.by, found.rule_id) == (FALLBACK, BY_FALLBACK, None)
    assert where([], fallback=None).by == UNROUTED, "a draft without fallback shows its gap"


def test_a_commune_outside_the_territory_is_not_this_contracts_business():
    assert where([rule()], commune="97408") is None


def test_a_matching_rule_wins_over_the_fallback():
    mental = rule()
    found = where([mental, rule(category="housing", organisation=CCAS)])
    assert (found.organisation_id, found.by, found.rule_id) == (CLSM, BY_RULE, mental.id)


def test_the_highest_precedence_wins_whatever_the_specificity():
    broad_high = rule(organisation=CIAS, precedence=5)
    narrow_low = rule(organisation=CCAS, communes=("85047",), precedence=1)
    assert where([narrow_low, broad_high]).organisation_id == CIAS


def test_at_equal_precedence_the_rule_naming_the_commune_wins():
    broad = rule(organisation=CIAS)
    narrow = rule(organisation=CCAS, communes=("85047",))
    assert where([broad, narrow]).organisation_id == CCAS
    assert where([broad, narrow], commune="85096").organisation_id == CIAS


def test_inactive_rules_and_other_communes_are_ignored():
    assert where([rule(active=False)]).by == BY_FALLBACK
    assert where([rule(communes=("85096",))]).by == BY_FALLBACK


def test_a_remaining_tie_is_broken_the_same_way_in_any_order():
    a = rule(organisation=CCAS, id=uuid.UUID(int=1))
    b = rule(organisation=CIAS, id=uuid.UUID(int=2))
    assert where([a, b]).rule_id == where([b, a]).rule_id == b.id


def test_coverage_lists_every_pair_and_flags_the_fallback_ones():
    entries = coverage([rule(), rule("housing", CCAS, communes=("85096",))],
                       territory=TERRITORY, fallback_organisation_id=FALLBACK,
                       need_categories=["housing", "mental_health"])
    assert len(entries) == 6
    gaps = {(e.commune, e.need_category) for e in entries if e.gap}
    assert gaps == {("85047", "housing"), ("85234", "housing")}


def test_rule_communes_must_be_in_the_territory():
    assert [f for f, _ in territory_problems(["85047", "97408"], TERRITORY)] == ["communes.1"]


def test_a_rule_change_makes_a_new_version():
    mental = rule()
    assert mental.changed(precedence=0) is None
    assert mental.changed(precedence=3).version == 2


def step(position, name="Bilan sport santé"):
    return Step(position, name, "physical_activity_prescription", uuid.uuid4())


def test_steps_are_kept_in_order():
    pathway = Pathway(contract_id=CONTRACT, name="Sport sur Ordonnance",
                      steps=(step(2, "Activité physique adaptée"), step(1)))
    assert [s.position for s in pathway.steps] == [1, 2]


@pytest.mark.parametrize("steps,fields", [
    ((), ["steps"]),
    ((step(1), step(1)), ["steps.1.position"]),
    ((step(1), step(3)), ["steps.1.position"]),
    ((step(1, " "),), ["steps.0.name"]),
])
def test_bad_steps_name_the_field(steps, fields):
    with pytest.raises(Invalid) as caught:
        Pathway(contract_id=CONTRACT, name="Sport sur Ordonnance", steps=steps)
    assert [f for f, _ in caught.value.errors] == fields
