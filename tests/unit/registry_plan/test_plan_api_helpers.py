"""Pure helpers of the plan API: decimal numbers, CSV cells, cursors."""

from decimal import Decimal

import pytest
from marshmallow import Schema, ValidationError

from services.registry.api.plan.export import _cell, french_number
from services.registry.api.plan.fields import Number, PartySchema

pytestmark = pytest.mark.unit


class _Amount(Schema):
    amount = Number()


@pytest.mark.parametrize("raw,loaded", [(7000, Decimal("7000")), ("7000.50", Decimal("7000.50")),
                                        (0.1, Decimal("0.1"))])
def test_numbers_are_read_exactly(raw, loaded):
    assert _Amount().load({"amount": raw})["amount"] == loaded


@pytest.mark.parametrize("raw", [True, "NaN", "Infinity", "1e13", "douze", [1], None])
def test_non_numbers_are_refused(raw):
    with pytest.raises(ValidationError):
        _Amount().load({"amount": raw})


def test_numbers_are_written_as_json_numbers():
    assert _Amount().dump({"amount": Decimal("150.00")}) == {"amount": 150}
    assert _Amount().dump({"amount": Decimal("12.50")}) == {"amount": 12.5}


def test_a_party_is_validated_by_its_schema():
    with pytest.raises(ValidationError) as caught:
        PartySchema().load({})
    assert "organisation_id" in caught.value.messages


def test_csv_cells_and_numbers_are_french_and_inert():
    assert french_number(Decimal("7000.5")) == "7000,50"
    assert french_number(Decimal("150")) == "150"
    assert french_number(None) == ""
    for formula in ("=1+1", "+33", "-2", "@SUM(A1)"):
        assert _cell(formula) == "'" + formula
    assert _cell("Sport sur Ordonnance") == "Sport sur Ordonnance"
