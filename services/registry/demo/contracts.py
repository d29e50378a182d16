"""Demo data of the registry's contracts part (idempotent): the five CLS of the seeds.

What comes from the seeds (../shared/seeds): territories (from the referential:
La Possession 97408; CC Challans-Gois Communauté + CC Océan Marais de Monts,
16 communes; CA du Bassin d'Aurillac; Créteil 94028; Gennevilliers 92036),
generations, signature dates and periods where the documents give them, the
signatories and partners they name, the CLSM where one exists, the Maison Sport
Santé and DAHLIR for physical activity on prescription, and the Sport sur
Ordonnance pathway. Statuses are the documents' own: each CLS is presented as
in force; the earlier generations they mention (Créteil 2015, Gennevilliers'
CLS2, Aurillac since 2016) are loaded closed, as their predecessors.
Where the seeds say nothing (which CCAS takes the needs of a small commune),
nothing is invented: those needs go to the contract's fallback and the coverage
report shows them as gaps. No real person appears; the coordinator of La
Possession is the fictitious demo coordinator of the directory part.

Natural keys: a contract's name; a rule's (contract, category, communes,
organisation); a pathway's (contract, name). A second load changes nothing.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from services.registry.domain.contracts import Contract, Partner
from services.registry.domain.organisations import Organisation
from services.registry.domain.pathways import Pathway, Step
from services.registry.domain.routing import RoutingRule
from services.registry.store import contracts as contract_store
from services.registry.store import members as member_store
from services.registry.store import organisations as organisation_store
from services.registry.store import pathways as pathway_store
from services.registry.store import routing as routing_store
from shared.communes import referential

# The needs a CCAS takes ("CCAS et professionnels de santé : quelle collaboration ?").
SOCIAL = ("access_to_rights", "domiciliation", "financial_aid", "food_aid", "autonomy",
          "childcare", "housing", "isolation", "violence")
SPORT = "physical_activity_prescription"
AURILLAC_BASIN = "241500230"  # CA du Bassin d'Aurillac
DEMO_COORDINATOR_EMAIL = "coordination.cls@example.org"  # created by the directory demo

# Organisations the directory demo does not create (looked up by name, added if missing).
EXTRA_ORGANISATIONS = {"CLSM de La Possession": "clsm", "CLSM de Gennevilliers": "clsm"}

# name -> contract fields; "territory" holds INSEE and/or EPCI codes; "partners" (name, role);
# "rules": (categories, organisation name, communes or () for the whole territory).
CONTRACTS: dict[str, dict] = {
    "CLS de La Possession": dict(
        territory=("97408",), generation=2, status="active",
        fallback="CCAS de La Possession", coordinator=DEMO_COORDINATOR_EMAIL,
        partners=(("ARS La Réunion", "signatory"), ("CCAS de La Possession", "pilot"),
                  ("CPTS Ouest Réunion", "partner"), ("Maison Sport Santé Sakisoigne", "partner"),
                  ("Service des sports de La Possession", "partner")),
        rules=((SOCIAL, "CCAS de La Possession", ()),
               (("mental_health",), "CLSM de La Possession", ()),
               ((SPORT,), "Maison Sport Santé Sakisoigne", ()))),
    "CLS Challans Gois – Océan Marais de Monts": dict(
        territory=("200071629", "248500258"), generation=1, status="active",
        signed_on=date(2022, 12, 15), starts_on=date(2022, 12, 15), ends_on=date(2025, 12, 31),
        fallback="CCAS de Challans",
        partners=(("ARS Pays de la Loire", "signatory"), ("CPTS LVO", "partner")),
        rules=((SOCIAL, "CCAS de Challans", ("85047",)),
               (SOCIAL, "CCAS de Saint-Jean-de-Monts", ("85234",)))),
    "CLS du Bassin d'Aurillac (2016)": dict(
        territory=(AURILLAC_BASIN,), generation=1, status="closed",
        starts_on=date(2016, 1, 1), fallback="CCAS d'Aurillac"),
    "CLS du Bassin d'Aurillac": dict(
        territory=(AURILLAC_BASIN,), generation=2, status="active",
        predecessor="CLS du Bassin d'Aurillac (2016)", fallback="CCAS d'Aurillac",
        partners=(("ARS Auvergne-Rhône-Alpes", "signatory"),
                  ("Conseil départemental du Cantal", "co_signatory"),
                  ("CPAM du Cantal", "co_signatory"), ("MSA Auvergne", "co_signatory"),
                  ("Centre hospitalier d'Aurillac", "co_signatory"),
                  ("DAC 15", "co_signatory"), ("DAHLIR", "partner")),
        rules=((SOCIAL, "CCAS d'Aurillac", ("15014",)),
               (("mental_health",), "DAC 15", ()),
               ((SPORT,), "DAHLIR", ()))),
    "CLS de Créteil (2015)": dict(
        territory=("94028",), generation=1, status="closed",
        starts_on=date(2015, 10, 1), ends_on=date(2018, 9, 30), fallback="CCAS de Créteil"),
    "CLS de Créteil": dict(
        territory=("94028",), generation=2, status="active", predecessor="CLS de Créteil (2015)",
        signed_on=date(2022, 3, 7), starts_on=date(2022, 3, 7), ends_on=date(2024, 12, 31),
        fallback="CCAS de Créteil",
        partners=(("ARS Île-de-France", "signatory"), ("CCAS de Créteil", "pilot"),
                  ("CPAM du Val-de-Marne", "co_signatory"),
                  ("Centre hospitalier intercommunal de Créteil", "co_signatory"),
                  ("CPTS Unifiée des Boucles de Marne", "co_signatory"),
                  ("CLSM de Créteil", "partner")),
        rules=((SOCIAL, "CCAS de Créteil", ()),
               (("mental_health",), "CLSM de Créteil", ()))),
    "CLS 2 de Gennevilliers": dict(
        territory=("92036",), generation=2, status="closed", fallback="CCAS de Gennevilliers"),
    "CLS de Gennevilliers 2021-2026": dict(
        territory=("92036",), generation=3, status="active", predecessor="CLS 2 de Gennevilliers",
        starts_on=date(2021, 1, 1), ends_on=date(2026, 12, 31), fallback="CCAS de Gennevilliers",
        partners=(("ARS Île-de-France", "signatory"),
                  ("Direction municipale de la santé publique de Gennevilliers", "pilot")),
        rules=((SOCIAL, "CCAS de Gennevilliers", ()),
               (("mental_health",), "CLSM de Gennevilliers", ()),
               (("addiction",), "Direction municipale de la santé publique de Gennevilliers",
                ()))),
}

SPORT_SUR_ORDONNANCE = ("CLS de La Possession", "Sport sur Ordonnance", (
    (1, "Bilan sport santé", SPORT, "Maison Sport Santé Sakisoigne"),
    (2, "Activité physique adaptée", SPORT, "Service des sports de La Possession")))


class _Organisations:
    """Organisations by name: the directory demo's, or added here when missing."""

    def __init__(self, session: Session):
        self.session, self.ids = session, {}

    def __getitem__(self, name: str):
        if name not in self.ids:
            found = organisation_store.find_by_name(self.session, name)
            if found is None:
                found = Organisation(name=name, kind=EXTRA_ORGANISATIONS.get(name, "other"))
                organisation_store.add(self.session, found)
            self.ids[name] = found.id
        return self.ids[name]


def _territory(codes) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(communes, epcis) from INSEE and EPCI codes, through the referential."""
    places, communes, epcis = referential(), [], []
    for code in codes:
        if code in places.epcis:
            epcis.append(code)
            communes += places.epcis[code].members
        else:
            communes.append(code)
    return tuple(communes), tuple(epcis)


def _contract(session: Session, name: str, spec: dict, organisations, by_name) -> Contract:
    existing = contract_store.find_by_name(session, name)
    if existing is not None:
        return existing
    communes, epcis = _territory(spec["territory"])
    coordinator = member_store.find_by_email(session, spec["coordinator"]) \
        if spec.get("coordinator") else None
    contract = Contract(
        name=name, communes=communes, epcis=epcis, status=spec["status"],
        generation=spec["generation"], signed_on=spec.get("signed_on"),
        starts_on=spec.get("starts_on"), ends_on=spec.get("ends_on"),
        predecessor_id=by_name[spec["predecessor"]].id if spec.get("predecessor") else None,
        fallback_organisation_id=organisations[spec["fallback"]],
        coordinator_member_id=coordinator.id if coordinator else None,
        partners=tuple(Partner(organisations[org], role)
                       for org, role in spec.get("partners", ())))
    contract_store.add(session, contract)
    return contract


def _rules(session: Session, contract: Contract, spec: dict, organisations) -> None:
    present = {(r.need_category, r.communes, r.organisation_id)
               for r in routing_store.rules_of(session, contract.id)}
    for categories, organisation, communes in spec.get("rules", ()):
        for category in categories:
            rule = RoutingRule(contract_id=contract.id, need_category=category,
                               organisation_id=organisations[organisation], communes=communes)
            if (rule.need_category, rule.communes, rule.organisation_id) not in present:
                routing_store.add(session, rule)


def _pathway(session: Session, contract: Contract, name: str, steps, organisations) -> None:
    if pathway_store.find_by_name(session, contract.id, name) is None:
        pathway_store.add(session, Pathway(contract_id=contract.id, name=name, steps=tuple(
            Step(position, step, category, organisations[organisation])
            for position, step, category, organisation in steps)))


def load(session: Session, settings) -> None:
    """Create this part's demo data in `session`'s transaction (missing items only)."""
    del settings
    organisations, by_name = _Organisations(session), {}
    for name, spec in CONTRACTS.items():  # predecessors come first in CONTRACTS
        by_name[name] = _contract(session, name, spec, organisations, by_name)
        _rules(session, by_name[name], spec, organisations)
    contract_name, pathway_name, steps = SPORT_SUR_ORDONNANCE
    _pathway(session, by_name[contract_name], pathway_name, steps, organisations)
