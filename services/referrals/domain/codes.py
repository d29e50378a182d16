"""Coded answers (with their French labels): why a referral is refused or failed,
and what came of a completed one. Codes go into events and statistics; the
labels are what people read."""

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

CONSENT_METHODS = ("oral", "written")
CONSENT_SCOPES = {
    "referral": "Transmission de la demande à la structure compétente",
    "referral_and_follow_up": "Transmission et retour d'information au professionnel",
    "pathway": "Transmission aux structures successives du parcours",
}
