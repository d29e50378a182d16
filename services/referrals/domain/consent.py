"""Withdrawing consent (CSP L1110-4; PRIVACY.md: "a withdrawal stops further sharing").

The decisions, in one place:
- an open referral is closed: status `cancelled`, reason_code `consent_withdrawn`
  (event `referrals.referral.cancelled`), whichever side records the withdrawal, so no
  further pathway step opens from it (its run stops);
- a closed referral keeps its status; the withdrawal is still recorded (it hides the
  identity from the sending side and stops the messages);
- the referrer's organisation no longer sees the identity nor the description;
- the receiving organisation keeps them for the record (its duty to account for what
  it did) until the retention job anonymises them; each of its reads stays audited;
- no new shared message either way; internal notes of the receiving side remain.
"""

from __future__ import annotations

from datetime import datetime

from services.referrals.domain.errors import InvalidReferral, StateConflict
from services.referrals.domain.workflow import CANCELLED, OPEN

CONSENT_WITHDRAWN = "consent_withdrawn"


def withdrawal_status(status: str) -> str | None:
    """The status a withdrawal moves the referral to; None when it stays as it is."""
    return CANCELLED if status in OPEN else None


def check_withdrawal(withdrawn_at: datetime, obtained_at: datetime, now: datetime,
                     already_withdrawn: bool) -> None:
    """Refuses a second withdrawal (409) and impossible dates (422 on withdrawn_at)."""
    if already_withdrawn:
        raise StateConflict("Le retrait du consentement est déjà enregistré.")
    if withdrawn_at > now:
        raise InvalidReferral("withdrawn_at", "Le retrait ne peut pas être daté dans le futur.")
    if withdrawn_at < obtained_at:
        raise InvalidReferral("withdrawn_at",
                              "Le retrait ne peut pas précéder le recueil du consentement.")
