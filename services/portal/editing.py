"""What the admin editors share: the API's 422 errors placed next to the form's fields,
in French, and a few checks made before calling the API (so the common mistakes get a
message without a round trip, while the API stays the judge)."""

from __future__ import annotations

from services.portal import intake
from services.portal.clients.base import ApiProblem

FORM = "_form"  # errors that belong to no field: shown at the top of the form


def form_errors(exc: ApiProblem, fields: set[str] | tuple[str, ...],
                aliases: dict[str, str] | None = None) -> dict[str, str]:
    """The API's errors by form field. A field path of the API (`communes.3`,
    `steps.1.organisation_id`) goes to the form field of that exact name, else to the
    field its first part names, else to the form as a whole."""
    found: dict[str, str] = {}
    aliases = aliases or {}
    for path, message in exc.field_errors().items():
        path = aliases.get(path, path)
        head = path.split(".", 1)[0]
        target = path if path in fields else head if head in fields else FORM
        found.setdefault(target, intake.french(message) or "Valeur refusée.")
    if not found:
        found[FORM] = exc.detail or "Modification refusée."
    return found


def integer(text: str, lowest: int, highest: int) -> int | None:
    """An integer within bounds, or None."""
    try:
        value = int(text.strip())
    except ValueError:
        return None
    return value if lowest <= value <= highest else None
