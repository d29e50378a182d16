"""Indicators: manual or computed, and the computation over the fiche's referrals."""

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from services.registry.domain.indicators import (
    Indicator,
    InvalidIndicator,
    Measurement,
    ReferralFact,
    check_measurable,
    computed_value,
    manual_value,
)

pytestmark = pytest.mark.unit
ACTION = uuid.uuid4()


def computed(metric, status=None):
    return Indicator(action_id=ACTION, name="x", source="computed", metric=metric,
                     metric_status=status)


@pytest.mark.parametrize("values,field", [
    ({"name": " "}, "name"),
    ({"source": "guess"}, "source"),
    ({"source": "manual", "metric": "distinct_referrers"}, "metric"),
    ({"source": "computed"}, "metric"),
    ({"source": "computed", "metric": "referrals_by_status"}, "metric_status"),
    ({"source": "computed", "metric": "referrals_by_status", "metric_status": "lost"},
     "metric_status"),
    ({"source": "computed", "metric": "distinct_beneficiaries", "metric_status": "accepted"},
     "metric_status"),
    ({"baseline": Decimal("NaN")}, "baseline"),
])
def test_invalid_indicators_name_the_field(values, field):
    with pytest.raises(InvalidIndicator) as caught:
        Indicator(**{"action_id": ACTION, "name": "personnes suivies", **values})
    assert caught.value.field == field


def fact(beneficiary, referrer, status, minute=0):
    return ReferralFact(beneficiary, referrer, status, datetime(2026, 1, 5, 10, minute, tzinfo=UTC))


def test_computed_values_count_distinct_people_and_referrals_per_status():
    ben_a, ben_b, gp_1, gp_2 = (uuid.uuid4() for _ in range(4))
    facts = [fact(ben_a, gp_1, "accepted", 1), fact(ben_a, gp_2, "completed", 7),
             fact(ben_b, gp_1, "accepted", 3)]
    assert computed_value(computed("distinct_beneficiaries"), facts).value == 2
    assert computed_value(computed("distinct_referrers"), facts).value == 2
    assert computed_value(computed("referrals_by_status", "accepted"), facts).value == 2
    assert computed_value(computed("referrals_by_status", "rejected"), facts).value == 0
    assert computed_value(computed("distinct_beneficiaries"), facts).measured_at.minute == 7
    empty = computed_value(computed("distinct_beneficiaries"), [])
    assert (empty.value, empty.measured_at) == (0, None)


def test_a_manual_indicator_shows_its_latest_measurement():
    assert manual_value(None).value is None
    latest = Measurement(indicator_id=uuid.uuid4(), measured_on=date(2024, 4, 18),
                         value=Decimal(150))
    assert (manual_value(latest).value, manual_value(latest).measured_at) == \
        (150, date(2024, 4, 18))


def test_only_manual_indicators_take_measurements_and_not_from_the_future():
    manual = Indicator(action_id=ACTION, name="médecins prescripteurs")
    check_measurable(manual, date(2024, 4, 18), today=date(2024, 4, 18))
    with pytest.raises(InvalidIndicator) as caught:
        check_measurable(manual, date(2024, 4, 19), today=date(2024, 4, 18))
    assert caught.value.field == "measured_on"
    with pytest.raises(InvalidIndicator) as caught:
        check_measurable(computed("distinct_referrers"), date(2024, 1, 1), today=date(2024, 4, 18))
    assert caught.value.field == "indicator"
