"""A beneficiary's minimal identity and its normalised form (for duplicate matching).

Normalisation folds what two professionals typing the same name may differ on:
case, accents, hyphens, apostrophes, repeated spaces ("Marie-Hélène  D'Arc" and
"marie helene d arc" are the same person).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

OLDEST_PLAUSIBLE_AGE_YEARS = 120


@dataclass(frozen=True)
class Identity:
    first_name: str
    last_name: str
    birth_date: date
    commune: str
    phone: str | None = None
    email: str | None = None


def normalise_name(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    bare = bare.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    kept = "".join(c if c.isalnum() else " " for c in bare)
    return " ".join(kept.split())


def normalised_identity(identity: Identity) -> str:
    """The text the blind index is computed on: names, birth date, commune."""
    return "|".join((normalise_name(identity.first_name), normalise_name(identity.last_name),
                     identity.birth_date.isoformat(), identity.commune))


def birth_date_problem(birth_date: date, today: date) -> str | None:
    """Why a birth date is implausible (French, shown to users), or None."""
    if birth_date > today:
        return "La date de naissance ne peut pas être dans le futur."
    if today.year - birth_date.year > OLDEST_PLAUSIBLE_AGE_YEARS:
        return "La date de naissance n'est pas plausible."
    return None
