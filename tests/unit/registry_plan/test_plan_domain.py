"""Axes tree rules, fiche statuses, dates and budget of the action plan (pure domain)."""

import uuid
from datetime import date
from decimal import Decimal

import pytest

from services.registry.domain.plan import (
    ACTION_STATUSES,
    MAX_AXIS_DEPTH,
    Action,
    Axis,
    InvalidPlan,
    Party,
    check_action_dates_in,
    check_axis_parent,
    check_parties,
    subtree,
)

pytestmark = pytest.mark.unit
CONTRACT = uuid.uuid4()


def axis(code, parent=None, contract=CONTRACT):
    return Axis(contract_id=contract, code=code, title=f"Axe {code}",
                parent_id=parent.id if parent else None)


def fiche(**values):
    return Action(**{"contract_id": CONTRACT, "axis_id": uuid.uuid4(), "code": "C2.5",
                     "title": "Réussite éducative en santé", **values})


def test_the_eight_statuses_of_a_fiche_are_the_issues_and_no_other():
    assert ACTION_STATUSES == ("planned", "in_progress", "done", "paused", "abandoned",
                               "blocked", "late", "to_discuss")
    for status in ACTION_STATUSES:
        assert fiche(status=status).status == status
    with pytest.raises(InvalidPlan) as caught:
        fiche(status="finished")
    assert caught.value.field == "status"


@pytest.mark.parametrize("values,field", [
    ({"starts_on": date(2024, 1, 2), "ends_on": date(2024, 1, 1)}, "ends_on"),
    ({"priority": "urgent"}, "priority"),
    ({"code": " "}, "code"),
    ({"title": ""}, "title"),
    ({"budget_amount": Decimal("-1"), "budget_period": "yearly"}, "budget_amount"),
    ({"budget_amount": Decimal("7000")}, "budget_period"),
    ({"budget_period": "total"}, "budget_amount"),
    ({"funders": (" ",)}, "funders"),
])
def test_an_inconsistent_fiche_names_the_field(values, field):
    with pytest.raises(InvalidPlan) as caught:
        fiche(**values)
    assert caught.value.field == field


def test_a_fiche_may_start_and_end_the_same_day_and_carry_a_yearly_budget():
    same_day = fiche(starts_on=date(2024, 4, 18), ends_on=date(2024, 4, 18),
                     budget_amount=Decimal("7000"), budget_period="yearly",
                     funders=("ARS",))
    assert same_day.budget_period == "yearly"


def test_a_change_bumps_the_version_and_is_revalidated():
    original = fiche()
    assert original.changed(status="planned") is None
    late = original.changed(status="late")
    assert (late.version, late.id) == (2, original.id)
    with pytest.raises(InvalidPlan):
        original.changed(starts_on=date(2025, 1, 1), ends_on=date(2024, 1, 1))


def test_fiche_dates_stay_within_the_contract_period():
    inside = fiche(starts_on=date(2022, 9, 1), ends_on=date(2026, 12, 31))
    check_action_dates_in(inside, (date(2021, 1, 1), date(2026, 12, 31)))
    check_action_dates_in(inside, (None, None))
    with pytest.raises(InvalidPlan) as caught:
        check_action_dates_in(inside, (date(2023, 1, 1), None))
    assert caught.value.field == "starts_on"
    with pytest.raises(InvalidPlan) as caught:
        check_action_dates_in(inside, (None, date(2025, 12, 31)))
    assert caught.value.field == "ends_on"


def test_a_party_is_an_organisation_or_a_name_never_both_nor_neither():
    assert Party(name="Groupe santé des enfants").name
    assert Party(organisation_id=uuid.uuid4()).organisation_id
    for bad in ({}, {"name": "  "}, {"name": "X", "organisation_id": uuid.uuid4()}):
        with pytest.raises(InvalidPlan):
            Party(**bad)


def test_unknown_pilot_organisations_are_named_by_their_position():
    known = uuid.uuid4()
    action = fiche(pilots=(Party(name="DMSP"),),
                   carriers=(Party(organisation_id=known), Party(organisation_id=uuid.uuid4())))
    with pytest.raises(InvalidPlan) as caught:
        check_parties(action, lambda org: org == known)
    assert caught.value.field == "carriers.1.organisation_id"


def _parents(*axes):
    return {a.id: a.parent_id for a in axes}


def test_a_sub_axis_goes_under_an_axis_of_the_same_contract():
    top = axis("AXE A")
    check_axis_parent(axis("A2", top), top, _parents(top))
    other = axis("AXE B", contract=uuid.uuid4())
    with pytest.raises(InvalidPlan) as caught:
        check_axis_parent(axis("A2", other), other, _parents(other))
    assert caught.value.field == "parent_id"


def test_an_axis_cannot_move_under_its_own_descendant():
    a = axis("A")
    a2 = axis("A2", a)
    a21 = axis("A2.1", a2)
    moved = Axis(contract_id=CONTRACT, code="A", title="A", parent_id=a21.id, id=a.id)
    with pytest.raises(InvalidPlan, match="sous-axes"):
        check_axis_parent(moved, a21, _parents(a, a2, a21))
    with pytest.raises(InvalidPlan):
        Axis(contract_id=CONTRACT, code="A", title="A", parent_id=a.id, id=a.id)


def test_the_tree_depth_is_bounded():
    chain = [axis("L1")]
    for level in range(2, MAX_AXIS_DEPTH + 1):
        chain.append(axis(f"L{level}", chain[-1]))
    parents = _parents(*chain)
    check_axis_parent(chain[-1], chain[-2], parents)  # exactly at the limit
    too_deep = axis("TOO DEEP", chain[-1])
    with pytest.raises(InvalidPlan, match="niveaux"):
        check_axis_parent(too_deep, chain[-1], parents)


def test_moving_a_subtree_counts_its_height():
    a, b = axis("A"), axis("B")
    b1 = axis("B1", b)
    b11 = axis("B11", b1)
    parents = _parents(a, b, b1, b11)
    b_under_a = Axis(contract_id=CONTRACT, code="B", title="B", parent_id=a.id, id=b.id)
    check_axis_parent(b_under_a, a, parents)  # 4 levels: A > B > B1 > B11
    a1 = axis("A1", a)
    parents[a1.id] = a.id
    b_deeper = Axis(contract_id=CONTRACT, code="B", title="B", parent_id=a1.id, id=b.id)
    with pytest.raises(InvalidPlan):
        check_axis_parent(b_deeper, a1, parents)


def test_subtree_holds_the_axis_and_everything_below():
    c = axis("AXE C")
    c1, c2 = axis("C1", c), axis("C2", c)
    d = axis("AXE D")
    assert subtree(c.id, _parents(c, c1, c2, d)) == {c.id, c1.id, c2.id}
    assert subtree(d.id, _parents(c, c1, c2, d)) == {d.id}
