"""French words for the API's codes (statuses, urgencies, reasons, outcomes, actions).

The API speaks English codes; people read French. An unknown code shows as itself,
so a code the referrals service adds later is visible, never a crash.
"""

from __future__ import annotations

STATUSES = {
    "requested": "Nouveau", "accepted": "Accepté", "rejected": "Refusé",
    "in-progress": "En cours", "on-hold": "En attente", "completed": "Terminé",
    "failed": "Sans suite", "cancelled": "Annulé", "expired": "Expiré",
}
OPEN_STATUSES = ("requested", "accepted", "in-progress", "on-hold")
URGENCIES = {"normal": "Normale", "urgent": "Urgente"}
# Fallbacks: the referrals service gives its own labels at /api/v1/referral-codes.
REJECTION_REASONS = {
    "out_of_scope": "Hors du champ de compétence de la structure",
    "not_in_territory": "Personne hors du territoire de la structure",
    "already_followed": "Personne déjà accompagnée",
    "incomplete": "Informations insuffisantes",
    "duplicate": "Doublon d'une orientation existante",
    "other": "Autre motif",
}
FAILURE_REASONS = {
    "unreachable": "Personne injoignable",
    "withdrew": "La personne a renoncé",
    "no_solution": "Pas de solution disponible",
    "other": "Autre motif",
}
OUTCOMES = {
    "need_met": "Besoin couvert",
    "partially_met": "Besoin partiellement couvert",
    "rights_opened": "Droits ouverts",
    "oriented_elsewhere": "Orientée vers un autre partenaire",
    "other": "Autre issue",
}
CONSENT_SCOPES = {
    "referral": "Transmission de la demande à la structure compétente",
    "referral_and_follow_up": "Transmission et retour d'information au professionnel",
    "pathway": "Transmission aux structures successives du parcours",
}
# Workflow actions offered to a handler, by current status (the API has the last word:
# when it lists `allowed_actions`, the page offers those).
ACTIONS = {
    "accept": "Accepter", "reject": "Refuser", "start": "Démarrer l'accompagnement",
    "hold": "Mettre en attente", "resume": "Reprendre", "complete": "Terminer",
    "fail": "Clore sans suite", "redirect": "Rediriger", "assign": "Assigner",
}
ACTIONS_BY_STATUS = {
    "requested": ("accept", "reject", "redirect", "assign"),
    "accepted": ("start", "hold", "complete", "fail", "assign"),
    "in-progress": ("hold", "complete", "fail", "assign"),
    "on-hold": ("resume", "fail", "assign"),
}
CONSENT_METHODS = {"oral": "Oralement", "written": "Par écrit"}
EVENT_TYPES = {
    "referrals.referral.submitted": "Nouveau signalement reçu",
    "referrals.referral.submitted.urgent": "Signalement urgent reçu",
    "referrals.referral.accepted": "Signalement accepté",
    "referrals.referral.rejected": "Signalement refusé",
    "referrals.referral.started": "Accompagnement démarré",
    "referrals.referral.held": "Signalement mis en attente",
    "referrals.referral.resumed": "Signalement repris",
    "referrals.referral.completed": "Signalement terminé",
    "referrals.referral.failed": "Signalement clos sans suite",
    "referrals.referral.cancelled": "Signalement annulé",
    "referrals.referral.expired": "Signalement expiré",
    "referrals.referral.redirected": "Signalement redirigé",
    "referrals.referral.assigned": "Signalement assigné",
    "referrals.referral.reminded": "Signalement sans réponse",
    "referrals.message.shared": "Nouveau message",
    "registry.meeting.scheduled": "Réunion programmée",
    "registry.meeting.updated": "Réunion modifiée",
    "registry.meeting.cancelled": "Réunion annulée",
}
CHANNELS = {"in_app": "Dans Relais", "email": "Par courriel"}
PREFERENCE_MODES = {"immediately": "Immédiatement", "digest": "Résumé quotidien", "off": "Jamais"}
# The inbox has no digest: a notification is there at once or not at all.
CHANNEL_MODES = {"in_app": ("immediately", "off"), "email": ("immediately", "digest", "off")}
ACTION_STATUSES = {
    "planned": "Prévue", "in_progress": "En cours", "done": "Réalisée", "paused": "Suspendue",
    "abandoned": "Abandonnée", "blocked": "Bloquée", "late": "En retard",
    "to_discuss": "À discuter",
}


def label(table: dict[str, str], code: str | None) -> str:
    if code is None:
        return ""
    return table.get(code, code)
