"""The "Signaler un besoin" form: from posted fields to the API body, and the API's
422 back to messages next to each field. Pure functions, tested without HTTP."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from services.portal.vocabulary import CONSENT_METHODS, URGENCIES

PARIS = ZoneInfo("Europe/Paris")
DESCRIPTION_MAX = 2000
# The form's field names are the API's field paths, so a 422 maps back one to one.
FIELDS = (
    "beneficiary.first_name", "beneficiary.last_name", "beneficiary.birth_date",
    "beneficiary.commune", "beneficiary.phone", "beneficiary.email",
    "need_category", "description", "urgency",
    "consent.obtained_by", "consent.obtained_at", "consent.method", "consent.scope",
    "action_id", "pathway_id",
)
REQUIRED = {
    "beneficiary.first_name": "Indiquez le prénom de la personne.",
    "beneficiary.last_name": "Indiquez le nom de la personne.",
    "beneficiary.birth_date": "Indiquez la date de naissance de la personne.",
    "need_category": "Choisissez la nature du besoin.",
    "description": "Décrivez le besoin en quelques lignes.",
    "consent.obtained_by": "Indiquez qui a recueilli le consentement.",
    "consent.obtained_at": "Indiquez la date du consentement.",
    "consent.scope": "Indiquez la portée du consentement.",
}
CODE_IN_LABEL = re.compile(r"\((\d[\dAB]\d{3})\)\s*$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[\d .-]{6,20}$")


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def resolve_commune(form: dict, search, exists) -> tuple[str | None, list[dict], str | None]:
    """The INSEE code chosen, the candidates to offer when ambiguous, and an error.

    `beneficiary.commune` holds a code (chosen from the list, or by the script);
    otherwise the typed name is searched: one match is taken, several are offered.
    """
    code = (form.get("beneficiary.commune") or "").strip()
    typed = (form.get("commune_query") or "").strip()
    if not code and typed:
        match = CODE_IN_LABEL.search(typed)
        code = match.group(1) if match else ""
    if code:
        if exists(code):
            return code, [], None
        return None, [], "Commune inconnue : choisissez-la dans la liste."
    if not typed:
        return None, [], "Indiquez la commune de résidence de la personne."
    candidates = search(typed)
    if not candidates:
        return None, [], "Aucune commune ne correspond à ce nom. Vérifiez l'orthographe."
    exact = [c for c in candidates if c["name"].lower() == typed.lower()]
    if len(candidates) == 1 or len(exact) == 1:
        return (exact or candidates)[0]["code"], [], None
    return None, candidates, "Plusieurs communes correspondent : choisissez dans la liste."


def check(form: dict) -> dict[str, str]:
    """The errors the portal can tell before sending (the API checks everything again)."""
    errors = {name: message for name, message in REQUIRED.items()
              if not (form.get(name) or "").strip()}
    today = datetime.now(PARIS).date()
    birth = form.get("beneficiary.birth_date")
    if birth and "beneficiary.birth_date" not in errors:
        parsed = _parse_date(birth)
        if parsed is None or parsed > today or parsed.year < 1900:
            errors["beneficiary.birth_date"] = "Saisissez une date de naissance valide."
    consented = form.get("consent.obtained_at")
    if consented and "consent.obtained_at" not in errors:
        parsed = _parse_date(consented)
        if parsed is None or parsed > today:
            errors["consent.obtained_at"] = "La date du consentement ne peut pas être future."
    if form.get("consent.given") != "yes":
        errors["consent.given"] = ("Le signalement ne peut être envoyé qu'avec le consentement "
                                   "de la personne.")
    if len(form.get("description") or "") > DESCRIPTION_MAX:
        errors["description"] = f"La description est limitée à {DESCRIPTION_MAX} caractères."
    if form.get("consent.method") not in CONSENT_METHODS:
        errors["consent.method"] = "Indiquez comment le consentement a été recueilli."
    if form.get("urgency") not in URGENCIES:
        errors["urgency"] = "Indiquez le degré d'urgence."
    email = (form.get("beneficiary.email") or "").strip()
    if email and not EMAIL.match(email):
        errors["beneficiary.email"] = "Saisissez une adresse électronique valide."
    phone = (form.get("beneficiary.phone") or "").strip()
    if phone and not PHONE.match(phone):
        errors["beneficiary.phone"] = "Saisissez un numéro de téléphone valide."
    return errors


def body(form: dict, commune: str) -> dict:
    """The API body: nested objects from the dotted names, empty optional fields left out."""
    beneficiary = {
        "first_name": form["beneficiary.first_name"].strip(),
        "last_name": form["beneficiary.last_name"].strip(),
        "birth_date": form["beneficiary.birth_date"],
        "commune": commune,
    }
    for optional in ("phone", "email"):
        value = (form.get(f"beneficiary.{optional}") or "").strip()
        if value:
            beneficiary[optional] = value
    consent = {"obtained_by": form["consent.obtained_by"].strip(),
               # The start of that day in France: a day, never a moment in the future.
               "obtained_at": datetime.combine(date.fromisoformat(form["consent.obtained_at"]),
                                               time(0), PARIS).isoformat(),
               "method": form["consent.method"], "scope": form["consent.scope"]}
    result = {"beneficiary": beneficiary, "need_category": form["need_category"],
              "description": form["description"].strip(), "urgency": form["urgency"],
              "consent": consent}
    for optional in ("action_id", "pathway_id"):
        if form.get(optional):
            result[optional] = form[optional]
    return result


def api_errors(field_errors: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The API's 422 errors by form field; those matching no field are listed apart."""
    by_field: dict[str, str] = {}
    others: list[str] = []
    for name, message in field_errors.items():
        target = name if name in FIELDS else next(
            (f for f in FIELDS if f.endswith("." + name) or name.startswith(f + ".")), None)
        if target is None and name.startswith("consent"):
            target = "consent.given"
        if target:
            by_field.setdefault(target, french(message) or "Valeur refusée.")
        else:
            others.append(french(message) or name)
    return by_field, others


# marshmallow's English messages, as a person should read them.
_MESSAGES_FR = {
    "Missing data for required field.": "Ce champ est obligatoire.",
    "Field may not be null.": "Ce champ est obligatoire.",
    "Not a valid date.": "Saisissez une date valide.",
    "Not a valid email address.": "Saisissez une adresse électronique valide.",
    "Not a valid UUID.": "Choix invalide.",
    "Unknown field.": "Champ non reconnu.",
    "Must be one of": "Choisissez une valeur de la liste.",
    "Length must be between": "Longueur non autorisée.",
    "Longer than maximum length": "Texte trop long.",
    "Not a valid integer.": "Saisissez un nombre entier.",
    "Must be greater than or equal to": "Valeur hors des limites autorisées.",
    "String does not match expected pattern.": "Format non valide.",
    "Not a valid boolean.": "Choix invalide.",
}


def french(message: str) -> str:
    for english, translated in _MESSAGES_FR.items():
        if message.startswith(english):
            return translated
    return message
