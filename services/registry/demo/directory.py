"""Demo data of the registry's directory part (idempotent).

The organisations of the five CLS of the seeds (../shared/seeds) with the
communes they serve, taken from the official referential (an EPCI code expands
to its member communes), and FICTITIOUS demo accounts (example.org). The real
coordinators named in the seeds never appear here. Natural keys: an
organisation's name, a member's e-mail; a second load changes nothing.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.registry.domain.members import Member
from services.registry.domain.organisations import Organisation
from services.registry.store import members as member_store
from services.registry.store import organisations as organisation_store
from services.registry.store.accounts import admin_organisation, create_member
from shared.communes import referential

# Social needs a CCAS / CIAS takes (the La Possession deck: "CCAS et professionnels de santé").
SOCIAL = ("access_to_rights", "domiciliation", "financial_aid", "food_aid", "autonomy",
          "childcare", "housing", "isolation", "violence")

# (name, kind, territory: INSEE codes or EPCI codes, need categories handled)
DEMO_ORGANISATIONS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    # La Possession (97408), in CA Territoire de la Côte Ouest (TCO, 249740101).
    ("CCAS de La Possession", "ccas", ("97408",), SOCIAL),
    ("CPTS Ouest Réunion", "cpts", ("249740101",), ()),
    ("MSP de La Possession", "msp", ("97408",), ()),
    ("Maison Sport Santé Sakisoigne", "sport_health_house", ("97408",),
     ("physical_activity_prescription",)),
    ("Service des sports de La Possession", "other", ("97408",),
     ("physical_activity_prescription",)),
    ("ARS La Réunion", "ars", (), ()),
    # Challans Gois (200071629, 11 communes) + Océan Marais de Monts (248500258, 5).
    ("CCAS de Challans", "ccas", ("85047",), SOCIAL),
    ("CCAS de Saint-Jean-de-Monts", "ccas", ("85234",), SOCIAL),
    ("CPTS LVO", "cpts", ("200071629", "248500258"), ()),
    ("ARS Pays de la Loire", "ars", (), ()),
    # The Aurillac basin: CA du Bassin d'Aurillac (241500230).
    ("CCAS d'Aurillac", "ccas", ("15014",), SOCIAL),
    ("DAC 15", "dac", ("241500230",), ("autonomy", "mental_health")),
    ("DAHLIR", "association", ("241500230",), ("physical_activity_prescription",)),
    ("Centre hospitalier d'Aurillac", "hospital", ("241500230",), ()),
    ("CPAM du Cantal", "cpam", ("241500230",), ("access_to_rights",)),
    ("MSA Auvergne", "msa", ("241500230",), ("access_to_rights",)),
    ("Conseil départemental du Cantal", "department", ("241500230",), ("autonomy",)),
    ("ARS Auvergne-Rhône-Alpes", "ars", (), ()),
    # Créteil (94028).
    ("CCAS de Créteil", "ccas", ("94028",), SOCIAL),
    ("CPTS Unifiée des Boucles de Marne", "cpts", ("94028",), ()),
    ("CLSM de Créteil", "clsm", ("94028",), ("mental_health",)),
    ("Centre hospitalier intercommunal de Créteil", "hospital", ("94028",), ()),
    ("CPAM du Val-de-Marne", "cpam", ("94028",), ("access_to_rights",)),
    ("ARS Île-de-France", "ars", (), ()),
    # Gennevilliers (92036).
    ("CCAS de Gennevilliers", "ccas", ("92036",), SOCIAL),
    ("Direction municipale de la santé publique de Gennevilliers", "other", ("92036",),
     ("addiction", "mental_health")),
)

# (e-mail, password, role, organisation name): printed by `make run`. Fictitious people.
DEMO_ACCOUNTS: tuple[tuple[str, str, str, str], ...] = (
    ("medecin.cpts@example.org", "demo-medecin-relais", "referrer", "CPTS Ouest Réunion"),
    ("agent.ccas@example.org", "demo-ccas-relais", "handler", "CCAS de La Possession"),
    ("coordination.cls@example.org", "demo-coordination-relais", "coordinator",
     "CCAS de La Possession"),
    ("admin@example.org", "demo-admin-relais", "admin", "Administration Relais"),
)
_NAMES = {"referrer": "Dr Camille Rivière (démo)", "handler": "Léa Fontaine (démo)",
          "coordinator": "Inès Morel (démo)", "admin": "Administrateur démo"}
# 11 digits with a Luhn key, as real ones look; not a real professional's.
DEMO_RPPS = "19999999998"


def communes_of(territory: tuple[str, ...]) -> tuple[str, ...]:
    """INSEE codes for a territory of INSEE and EPCI codes (EPCI: its member communes)."""
    places = referential()
    codes: list[str] = []
    for code in territory:
        if code in places.epcis:
            codes += places.epcis[code].members
        elif places.exists(code):
            codes.append(code)
        else:
            raise ValueError(f"demo territory code {code} is not in the referential")
    return tuple(codes)


def _organisation(session: Session, name: str, kind: str, territory, categories) -> Organisation:
    wanted = {"kind": kind, "communes": communes_of(territory),
              "need_categories": tuple(categories)}
    existing = organisation_store.find_by_name(session, name)
    if existing is None:
        organisation = Organisation(name=name, **wanted)
        organisation_store.add(session, organisation)
        return organisation
    updated = existing.changed(**wanted)
    if updated is not None:
        organisation_store.save(session, updated)
    return updated or existing


def load(session: Session, settings) -> None:
    """Create or update this part's demo data in `session`'s transaction."""
    del settings
    by_name = {name: _organisation(session, name, kind, territory, categories)
               for name, kind, territory, categories in DEMO_ORGANISATIONS}
    by_name[admin_organisation(session).name] = admin_organisation(session)
    for email, password, role, organisation_name in DEMO_ACCOUNTS:
        if member_store.find_by_email(session, email) is not None:
            continue  # kept as it is: its password may have been changed on purpose
        create_member(session, Member(
            organisation_id=by_name[organisation_name].id, email=email,
            display_name=_NAMES[role], roles=(role,),
            rpps=DEMO_RPPS if role == "referrer" else None), password)
