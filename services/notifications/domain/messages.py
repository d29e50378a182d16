"""What a notification says, in French, built only from the event's minimal data.

The summary holds a reference, the category label, the commune, organisation
names, the status and dates: never a person's name, birth date, contact,
description or health data (PRIVACY.md). Emails, webhooks and the inbox all
render this summary and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from services.notifications.domain.digest import PARIS
from services.notifications.domain.preferences import (
    MEETING_EVENT_TYPES,
    MESSAGE_SHARED,
    URGENT_SUBMISSION,
)

STATUS_LABELS = {
    "requested": "en attente de réponse", "accepted": "accepté", "rejected": "refusé",
    "in-progress": "en cours", "on-hold": "suspendu", "completed": "terminé",
    "failed": "clos sans solution", "cancelled": "annulé", "expired": "expiré",
}

TITLES = {
    "referrals.referral.submitted": "Nouveau signalement {reference} reçu",
    URGENT_SUBMISSION: "URGENT : nouveau signalement {reference} reçu",
    "referrals.referral.accepted": "Votre signalement {reference} a été accepté",
    "referrals.referral.rejected": "Votre signalement {reference} a été refusé",
    "referrals.referral.started": "La prise en charge du signalement {reference} a commencé",
    "referrals.referral.held": "Le signalement {reference} est suspendu",
    "referrals.referral.resumed": "La prise en charge du signalement {reference} a repris",
    "referrals.referral.completed": "Le signalement {reference} est terminé",
    "referrals.referral.failed": "Le signalement {reference} est clos sans solution",
    "referrals.referral.cancelled": "Le signalement {reference} a été annulé",
    "referrals.referral.expired": "Le signalement {reference} a expiré sans réponse",
    "referrals.referral.redirected": "Le signalement {reference} a été réorienté",
    "referrals.referral.assigned": "Le signalement {reference} vous a été attribué",
    "referrals.referral.reminded": "Relance : le signalement {reference} attend une réponse",
    MESSAGE_SHARED: "Nouveau message sur le signalement {reference}",
    "registry.meeting.scheduled": "Réunion planifiée : {body_name}, le {starts_at_label}",
    "registry.meeting.updated": "Réunion modifiée : {body_name}, le {starts_at_label}",
    "registry.meeting.cancelled": "Réunion annulée : {body_name}, le {starts_at_label}",
}


@dataclass(frozen=True)
class Lookups:
    """Names the summary may show, from read models and the communes referential."""

    organisation_name: Callable[[str | None], str | None]
    category_label: Callable[[str], str]
    commune_name: Callable[[str], str]


def reference(referral_id: str) -> str:
    """A short reference a person can quote on the phone: SIG- and the id's first 8 digits."""
    return "SIG-" + str(referral_id).replace("-", "")[:8].upper()


def when_label(moment: datetime) -> str:
    local = moment.astimezone(PARIS)
    return local.strftime("%d/%m/%Y à %Hh%M")


def summary(event_type: str, data: dict, lookups: Lookups) -> dict:
    """The minimal, JSON-ready facts of an event that notifications show."""
    if event_type in MEETING_EVENT_TYPES:
        starts_at = datetime.fromisoformat(str(data["starts_at"]))
        return {"meeting_id": str(data["id"]), "body_name": data["body_name"],
                "starts_at": starts_at.isoformat(), "starts_at_label": when_label(starts_at),
                "path": f"/reunions/{data['id']}"}
    referral_id = str(data["referral_id"] if event_type == MESSAGE_SHARED else data["id"])
    facts = {
        "referral_id": referral_id,
        "reference": reference(referral_id),
        "urgency": data["urgency"],
        "referrer_organisation_name": lookups.organisation_name(data["referrer_organisation_id"]),
        "receiving_organisation_name": lookups.organisation_name(
            data["receiving_organisation_id"]),
        "path": f"/signalements/{referral_id}",
    }
    if event_type != MESSAGE_SHARED:
        facts.update({
            "status": data["status"],
            "status_label": STATUS_LABELS.get(data["status"], data["status"]),
            "category_code": data["need_category"],
            "category_label": lookups.category_label(data["need_category"]),
            "commune_code": data["commune"],
            "commune_name": lookups.commune_name(data["commune"]),
            "previous_organisation_name": lookups.organisation_name(
                data.get("previous_organisation_id")),
        })
    return facts


def title(kind: str, facts: dict) -> str:
    return TITLES[kind].format(**facts)
