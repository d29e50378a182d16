"""Indicators of a fiche action and their dated measurements.

An indicator is either entered by hand (measurements by the coordinator) or
computed from the referrals raised under the fiche: the registry keeps one row
per referral (its latest version) and counts from it, so a late or repeated
event cannot skew a figure.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from shared.events.referrals import STATUSES as REFERRAL_STATUSES

SOURCES = ("manual", "computed")
METRICS = ("distinct_beneficiaries", "distinct_referrers", "referrals_by_status")
METRIC_LABELS = {
    "distinct_beneficiaries": "personnes orientées (distinctes)",
    "distinct_referrers": "professionnels orienteurs (distincts)",
    "referrals_by_status": "orientations au statut",
}


class InvalidIndicator(ValueError):
    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


def _finite(value: Decimal | None, name: str) -> None:
    if value is not None and not value.is_finite():
        raise InvalidIndicator(name, "La valeur doit être un nombre.")


@dataclass(frozen=True)
class Indicator:
    action_id: uuid.UUID
    name: str
    unit: str = ""
    baseline: Decimal | None = None
    target: Decimal | None = None
    source: str = "manual"
    metric: str | None = None
    metric_status: str | None = None
    version: int = 1
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self):
        if not self.name or not self.name.strip():
            raise InvalidIndicator("name", "Le nom de l'indicateur est obligatoire.")
        if len(self.name) > 300:
            raise InvalidIndicator("name", "Le nom dépasse 300 caractères.")
        _finite(self.baseline, "baseline")
        _finite(self.target, "target")
        if self.source not in SOURCES:
            raise InvalidIndicator("source", f"Source inconnue : {self.source!r}.")
        if self.source == "manual":
            if self.metric is not None or self.metric_status is not None:
                raise InvalidIndicator("metric", "Un indicateur saisi n'a pas de calcul.")
            return
        if self.metric not in METRICS:
            raise InvalidIndicator("metric", f"Calcul attendu parmi {', '.join(METRICS)}.")
        if self.metric == "referrals_by_status":
            if self.metric_status not in REFERRAL_STATUSES:
                raise InvalidIndicator("metric_status", "Statut d'orientation inconnu.")
        elif self.metric_status is not None:
            raise InvalidIndicator("metric_status", "Seul le calcul par statut prend un statut.")

    @property
    def computed(self) -> bool:
        return self.source == "computed"

    def changed(self, **changes) -> Indicator | None:
        if all(getattr(self, name) == value for name, value in changes.items()):
            return None
        return replace(self, **changes, version=self.version + 1)


@dataclass(frozen=True)
class Measurement:
    """A dated value entered by hand ("150 personnes suivies" on 18/04/2024)."""

    indicator_id: uuid.UUID
    measured_on: date
    value: Decimal
    note: str = ""
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self):
        _finite(self.value, "value")
        if len(self.note) > 500:
            raise InvalidIndicator("note", "La note dépasse 500 caractères.")


def check_measurable(indicator: Indicator, measured_on: date, today: date) -> None:
    """Only hand-entered indicators take measurements, and not from the future."""
    if indicator.computed:
        raise InvalidIndicator("indicator", "Cet indicateur est calculé à partir des "
                                            "orientations : il ne se saisit pas.")
    if measured_on > today:
        raise InvalidIndicator("measured_on", "La date de mesure est dans le futur.")


@dataclass(frozen=True)
class ReferralFact:
    """What the registry keeps of a referral: enough to count, nothing personal."""

    beneficiary_id: uuid.UUID
    referrer_member_id: uuid.UUID
    status: str
    occurred_at: datetime


@dataclass(frozen=True)
class CurrentValue:
    value: Decimal | None
    measured_at: datetime | date | None


def computed_value(indicator: Indicator, facts: Iterable[ReferralFact]) -> CurrentValue:
    """The value of a computed indicator over the latest state of the fiche's referrals."""
    facts = list(facts)
    if indicator.metric == "distinct_beneficiaries":
        value = len({fact.beneficiary_id for fact in facts})
    elif indicator.metric == "distinct_referrers":
        value = len({fact.referrer_member_id for fact in facts})
    else:
        value = sum(1 for fact in facts if fact.status == indicator.metric_status)
    last = max((fact.occurred_at for fact in facts), default=None)
    return CurrentValue(Decimal(value), last)


def manual_value(latest: Measurement | None) -> CurrentValue:
    if latest is None:
        return CurrentValue(None, None)
    return CurrentValue(latest.value, latest.measured_on)
