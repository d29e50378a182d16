"""Consent withdrawal rules: what it closes, which dates it refuses."""

from datetime import UTC, datetime, timedelta

import pytest

from services.referrals.domain.consent import check_withdrawal, withdrawal_status
from services.referrals.domain.errors import InvalidReferral, StateConflict
from services.referrals.domain.workflow import CLOSED, OPEN

pytestmark = pytest.mark.unit
NOW = datetime(2026, 2, 2, 9, tzinfo=UTC)
OBTAINED = NOW - timedelta(days=10)


@pytest.mark.parametrize("status", OPEN)
def test_an_open_referral_is_cancelled(status):
    assert withdrawal_status(status) == "cancelled"


@pytest.mark.parametrize("status", CLOSED)
def test_a_closed_referral_keeps_its_status(status):
    assert withdrawal_status(status) is None


def test_dates_and_repetition():
    check_withdrawal(OBTAINED, OBTAINED, NOW, False)
    check_withdrawal(NOW, OBTAINED, NOW, False)
    for when in (NOW + timedelta(seconds=1), OBTAINED - timedelta(seconds=1)):
        with pytest.raises(InvalidReferral) as refused:
            check_withdrawal(when, OBTAINED, NOW, False)
        assert refused.value.field == "withdrawn_at"
    with pytest.raises(StateConflict):
        check_withdrawal(NOW, OBTAINED, NOW, True)
