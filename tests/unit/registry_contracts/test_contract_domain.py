"""Contracts: territory expansion, status transitions, date consistency, generations."""

import uuid
from datetime import date

import pytest

from services.registry.domain.contracts import (
    Amendment,
    Contract,
    Invalid,
    Partner,
    expand_territory,
    parse_generation,
    successor_problems,
)

pytestmark = pytest.mark.unit

EPCIS = {"200071629": ("85047", "85096"), "248500258": ("85234", "85284")}


def expand(communes=(), epcis=()):
    return expand_territory(communes, epcis, commune_exists=lambda c: c.isdigit(),
                            epci_members=EPCIS.get)


def fields_of(caught) -> list[str]:
    return [name for name, _ in caught.value.errors]


def test_a_territory_given_as_epcis_is_their_communes_plus_the_communes_named():
    assert expand(["97408"], ["200071629", "248500258"]) == (
        "85047", "85096", "85234", "85284", "97408")
    assert expand(["85047"], ["200071629"]) == ("85047", "85096"), "no duplicates"


def test_each_unknown_code_is_named_by_its_position():
    with pytest.raises(Invalid) as caught:
        expand(["97408", "ZZZ", "94028"], ["200071629", "999999999"])
    assert fields_of(caught) == ["communes.1", "epcis.1"]


def test_an_empty_territory_is_refused():
    with pytest.raises(Invalid) as caught:
        expand([], [])
    assert fields_of(caught) == ["communes"]


def contract(**fields):
    return Contract(**{"name": "CLS de Créteil", "communes": ("94028",), **fields})


@pytest.mark.parametrize("fields,expected", [
    ({"starts_on": date(2022, 3, 7), "ends_on": date(2022, 3, 7)}, ["ends_on"]),
    ({"starts_on": date(2022, 3, 7), "ends_on": date(2021, 1, 1)}, ["ends_on"]),
    ({"signed_on": date(2025, 1, 1), "ends_on": date(2024, 12, 31)}, ["signed_on"]),
    ({"signed_on": date(2022, 3, 7),
      "amendments": (Amendment(date(2022, 1, 1), "Avenant 1"),)}, ["amendments.0.signed_on"]),
    ({"status": "active"}, ["fallback_organisation_id"]),
    ({"name": " "}, ["name"]),
    ({"generation": 0}, ["generation"]),
    ({"reminder_after_days": 30, "expire_after_days": 30}, ["expire_after_days"]),
    ({"partners": (Partner(uuid.uuid4(), "king"),)}, ["partners.0.role"]),
])
def test_inconsistent_contracts_name_the_field(fields, expected):
    with pytest.raises(Invalid) as caught:
        contract(**fields)
    assert fields_of(caught) == expected


def test_consistent_dates_pass():
    signed = contract(starts_on=date(2022, 3, 7), ends_on=date(2024, 12, 31),
                      signed_on=date(2022, 3, 7),
                      amendments=(Amendment(date(2023, 6, 1), "Avenant 1"),))
    assert signed.amendments[0].title == "Avenant 1"


def test_status_follows_the_allowed_transitions():
    fallback = uuid.uuid4()
    draft = contract(fallback_organisation_id=fallback)
    signed = draft.changed(status="signed")
    active = signed.changed(status="active")
    closed = active.changed(status="closed")
    assert [c.version for c in (draft, signed, active, closed)] == [1, 2, 3, 4]
    for current, target in [(signed, "draft"), (closed, "active"), (draft, "active"),
                            (active, "signed")]:
        with pytest.raises(Invalid) as caught:
            current.changed(status=target)
        assert fields_of(caught) == ["status"]


def test_an_active_contract_cannot_lose_its_fallback():
    active = contract(status="active", fallback_organisation_id=uuid.uuid4())
    with pytest.raises(Invalid) as caught:
        active.changed(fallback_organisation_id=None)
    assert fields_of(caught) == ["fallback_organisation_id"]


def test_no_change_makes_no_version_and_order_does_not_matter():
    one = contract(communes=("94028", "94046"))
    assert one.changed(communes=["94046", "94028", "94028"]) is None
    renamed = one.changed(name="CLS 2 de Créteil")
    assert (renamed.version, renamed.id, renamed.communes) == (2, one.id, one.communes)


@pytest.mark.parametrize("value,expected", [(2, 2), ("2", 2), ("CLS3", 3), ("cls 1", 1),
                                            (None, None)])
def test_generation_reads_numbers_and_cls_codes(value, expected):
    assert parse_generation(value) == expected


def test_a_bad_generation_code_is_refused():
    with pytest.raises(Invalid):
        parse_generation("deuxième")


def test_a_successor_comes_from_a_later_generation():
    first = contract(generation=2)
    same = contract(generation=2, predecessor_id=first.id)
    later = contract(generation=3, predecessor_id=first.id)
    assert [name for name, _ in successor_problems(same, first)] == ["generation"]
    assert successor_problems(later, first) == []
    assert [name for name, _ in successor_problems(later, None)] == ["predecessor_id"]
