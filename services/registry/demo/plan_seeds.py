"""The action plans, governance and figures the seed documents give (../shared/seeds).

Only what the documents say: axis titles, fiche titles and the codes they print
(Gennevilliers), their pilots, the figures ("150 possessionnais accompagnés
depuis 2020", "plus de 40 médecins prescripteurs", "7 000 €/an", "74 stagiaires"...).
Where a document names actions without codes (La Possession, Challans, Aurillac),
the fiches are numbered within their axis ("2-5"); where it gives no fiche at
all (Créteil), only the axes are loaded. No person is named.

Shapes: AXES: (code, title, parent code or None); FICHES: (axis code, code, title,
extra fields); INDICATORS: (contract, fiche code, name, unit, baseline, target,
measurements ((date, value, note), ...)) or a computed metric.
"""

from datetime import date

POSSESSION = "CLS de La Possession"
CHALLANS = "CLS Challans Gois – Océan Marais de Monts"
AURILLAC_2016 = "CLS du Bassin d'Aurillac (2016)"
AURILLAC = "CLS du Bassin d'Aurillac"
CRETEIL = "CLS de Créteil"
GENNEVILLIERS_CLS2 = "CLS 2 de Gennevilliers"
GENNEVILLIERS = "CLS de Gennevilliers 2021-2026"

CONGRESS = date(2024, 4, 18)  # the La Possession deck: congrès de médecine générale
AURILLAC_NEWS = date(2025, 3, 13)  # "Signature du Contrat Local de Santé", published then

SSO_OBJECTIVES = ("Accompagner des adultes possessionnais, inactifs, présentant une affection "
                  "chronique stabilisée (ALD ou non) et des limitations fonctionnelles minimes "
                  "par de la pratique d'activité physique adaptée.")


def _numbered(axis: str, titles: tuple[str, ...], **extra) -> list[tuple]:
    number = axis.split()[-1]
    return [(axis, f"{number}-{index}", title, extra) for index, title in
            enumerate(titles, start=1)]


PLANS: dict[str, dict] = {
    POSSESSION: {
        "axes": (("AXE 1", "Santé environnementale", None),
                 ("AXE 2", "Nutrition, diabète et activité physique", None),
                 ("AXE 3", "Bien-être et santé mentale", None),
                 ("AXE 4", "Accès à l'offre de soins", None)),
        "fiches": [
            *_numbered("AXE 1", ("Prévention des maladies vectorielles",
                                 "Charte pour limiter les perturbateurs endocriniens (PE)",
                                 "Développement du territoire", "Écomobilité", "Eau potable",
                                 "Conditions d'accueil de l'enfant")),
            *_numbered("AXE 2", ("Rdv fraîcheur et bien-être", "Jardins partagés",
                                 "Projet alimentaire territorial (PAT)",
                                 "Parcours d'éducation nutritionnelle")),
            ("AXE 2", "2-5", "Sport sur Ordonnance (SSO)", {
                "objectives": SSO_OBJECTIVES, "status": "in_progress", "priority": "high",
                "starts_on": date(2020, 1, 1),
                "target_public": "Adultes possessionnais inactifs avec une affection "
                                 "chronique stabilisée",
                "pilots": ("CCAS de La Possession",),
                "carriers": ("Maison Sport Santé Sakisoigne",
                             "Service des sports de La Possession")}),
            ("AXE 2", "2-6", "Vivons en forme", {}),
            *_numbered("AXE 3", ("Ambianz santé", "#IMPAKT", "Éducation à la sexualité",
                                 "Conseil local de santé mentale (CLSM)", "Parentalité",
                                 "Consultation jeunes consommateurs (CJC), PRE",
                                 "Réduction du risque alcool")),
            *_numbered("AXE 4", ("Sant'elles Mafate", "Paramédicaux dans les quartiers isolés")),
        ],
        "indicators": (
            ("2-5", "personnes suivies", "personnes", 150, None,
             ((CONGRESS, 150, "Depuis 2020 : 150 possessionnais accompagnés"),)),
            ("2-5", "médecins prescripteurs", "médecins", 40, None,
             ((CONGRESS, 40, "Plus de 40 médecins prescripteurs"),)),
            ("2-5", "personnes orientées via Relais", "personnes", "distinct_beneficiaries"),
            ("2-5", "professionnels orienteurs via Relais", "professionnels",
             "distinct_referrers"),
        ),
        "bodies": (("steering_committee", "Comité de pilotage du CLS", None,
                    ("ARS La Réunion", "CCAS de La Possession", "CPTS Ouest Réunion")),
                   ("working_group", "Groupe de travail « Obésité infantile »",
                    "Obésité infantile : groupe pluri-professionnel", ())),
        "meeting": ("Comité de pilotage du CLS", "+04:00", "Mairie de La Possession",
                    "Bilan de Sport sur Ordonnance ; mobilisation de la CPTS Ouest ; "
                    "support de communication avec les professionnels de santé"),
    },
    CHALLANS: {
        "axes": (("AXE 1", "Améliorer le système local de santé", None),
                 ("AXE 2", "Renforcer la promotion et la prévention santé ainsi que les "
                           "environnements favorables à la santé", None),
                 ("AXE 3", "Rendre lisible et fluidifier les parcours de santé et de vie des "
                           "personnes fragilisées", None),
                 ("AXE 4", "Faciliter l'accès à l'offre en santé mentale sur le territoire",
                  None)),
        "fiches": [
            ("AXE 1", "1-1", "Escorter : équipe mobile de soins coordonnée territoriale", {
                "starts_on": date(2023, 1, 1), "status": "in_progress",
                "target_public": "Habitants des communes déficitaires en offre de soins",
                "carriers": ("CPTS LVO",), "funders": ("ARS", "CPAM")}),
            ("AXE 2", "2-1", "Programme de prévention à destination des séniors", {
                "starts_on": date(2023, 1, 1), "target_public": "Séniors du territoire"}),
            ("AXE 2", "2-2", "Programme de prévention en faveur des jeunes", {
                "starts_on": date(2023, 1, 1), "target_public": "Jeunes",
                "objectives": "Permanences de la Maison des Adolescents ; formation des "
                              "professionnels aux conduites addictives et à la vie "
                              "affective et sexuelle."}),
            ("AXE 4", "4-1", "Premiers secours en santé mentale et repérage de la crise "
                             "suicidaire", {
                "starts_on": date(2023, 1, 1),
                "target_public": "Élus, professionnels de santé, agents d'accueil"}),
        ],
    },
    AURILLAC_2016: {
        "axes": (("BILAN", "Actions menées depuis 2016 (bilan)", None),),
        "fiches": [
            ("BILAN", "B-1", "Accompagnement des professionnels de l'aide et du soin à "
                             "l'installation", {"status": "done"}),
            ("BILAN", "B-2", "Bourses d'hébergement et de déplacement des stagiaires "
                             "paramédicaux et sages-femmes", {
                "status": "done", "budget_amount": 7000, "budget_period": "yearly"}),
            ("BILAN", "B-3", "Journées séniors", {"status": "done",
                                                  "carriers": ("Fédération Départementale "
                                                               "des Centres Sociaux",)}),
            ("BILAN", "B-4", "Formation des professionnels à la dénutrition des personnes "
                             "âgées", {"status": "done", "carriers": ("Maison de l'Autonomie",)}),
            ("BILAN", "B-5", "Dispositif d'Accompagnement à la Pratique d'Activité Physique",
             {"status": "done", "carriers": ("DAHLIR",)}),
        ],
        "indicators": (
            ("B-1", "professionnels accompagnés", "professionnels", None, None,
             ((AURILLAC_NEWS, 100, "Une centaine depuis 2016"),)),
            ("B-1", "équipes accompagnées vers la labellisation MSP", "équipes", None, None,
             ((AURILLAC_NEWS, 4, "Suivi de l'installation de 4 médecins"),)),
            ("B-2", "stagiaires bénéficiaires", "stagiaires", None, None,
             ((AURILLAC_NEWS, 74, "74 stagiaires bénéficiaires jusqu'ici"),)),
            ("B-3", "participants par journée", "participants", None, None,
             ((date(2021, 12, 31), 600, "600 participants pour chaque journée (2019, 2021)"),)),
            ("B-4", "professionnels formés", "professionnels", None, None,
             ((AURILLAC_NEWS, 80, "80 professionnels de l'aide et du soin formés"),)),
        ),
    },
    AURILLAC: {
        "axes": (("1", "Offre de soins", None), ("2", "Santé mentale", None),
                 ("3", "Prévention", None),
                 ("4", "Sport, nutrition, santé et maladies chroniques", None),
                 ("5", "Parcours santé, bien vieillir et bien-vivre", None),
                 ("6", "Santé-environnement", None)),
        "fiches": [
            ("1", "1-1", "Accueil de nouveaux professionnels de santé avec Cantal Attractivité",
             {"status": "in_progress"}),
            ("1", "1-2", "Bourses des stagiaires en études paramédicales ou de sage-femme",
             {"status": "in_progress", "budget_amount": 7000, "budget_period": "yearly"}),
            ("2", "2-1", "Lancement d'un Conseil Local en Santé Mentale", {"priority": "high"}),
            ("3", "3-1", "Dépistage organisé des cancers : collaboration renforcée", {}),
            ("4", "4-1", "Sensibilisation des employeurs et des salariés à l'activité physique",
             {}),
            ("4", "4-2", "Mise en réseau des professionnels de santé et du sport santé",
             {"carriers": ("DAC 15", "DAHLIR")}),
            ("4", "4-3", "Alimentation favorable à la santé (PAT, dénutrition)", {}),
            ("6", "6-1", "Aménagements urbains favorables à la santé", {}),
            ("6", "6-2", "Prévention santé-environnement : qualité de l'air, espèces nuisibles, "
                         "radon", {}),
        ],
    },
    CRETEIL: {
        "axes": (("AXE 1", "Accès aux droits et aux soins", None),
                 ("AXE 2", "Réduction des vulnérabilités : périnatalité, enfance, jeunesse, "
                           "seniors", None),
                 ("AXE 3", "Santé mentale (avec le Conseil Local de Santé Mentale)", None),
                 ("AXE 4", "Promotion de la santé de proximité (Atelier Santé Ville)", None),
                 ("AXE 5", "Santé environnementale", None)),
        "fiches": [],
    },
    GENNEVILLIERS_CLS2: {
        "axes": tuple((f"T{i}", title, None) for i, title in enumerate((
            "Santé environnementale", "Accès aux soins", "Santé mentale",
            "Périnatalité et santé des femmes", "Santé des enfants", "Santé des jeunes",
            "Santé des populations en difficulté"), start=1)),
        "fiches": [],
    },
    GENNEVILLIERS: {
        "axes": (
            ("AXE A", "La santé dans toutes les politiques locales", None),
            ("A1", "Observatoire local de santé", "AXE A"),
            ("A2", "Environnement et santé", "AXE A"),
            ("A3", "Prévention et dépistage précoce", "AXE A"),
            ("AXE B", "Améliorer l'organisation des parcours de santé", None),
            ("B1", "Offre de soins, recours aux soins et parcours de soins coordonnés",
             "AXE B"),
            ("B2", "Parcours d'éducation thérapeutique", "AXE B"),
            ("B3", "Favoriser l'accès égal à l'innovation et à la recherche", "AXE B"),
            ("B4", "Gouvernance territoriale : coordination et coopérations territoriales",
             "AXE B"),
            ("AXE C", "Parcours de santé pour les plus vulnérables", None),
            ("C1", "Santé des femmes et santé périnatale", "AXE C"),
            ("C2", "Santé des enfants de 3 à 11 ans", "AXE C"),
            ("C3", "Santé des jeunes de 11 à 25 ans", "AXE C"),
            ("C4", "Santé des personnes âgées", "AXE C"),
            ("C5", "Santé des publics en grandes difficultés sociales", "AXE C"),
            ("AXE D", "Crise sanitaire", None),
            ("D1", "Gestion de crise sanitaire", "AXE D"),
        ),
        "fiches": [
            ("A1", "A1-1", "Observatoire local de santé", {"starts_on": date(2022, 9, 1)}),
            ("A2", "A2-1", "Habitat insalubre", {}),
            ("A2", "A2-2", "Alimentation durable", {}),
            ("A2", "A2-3", "Précarité alimentaire", {}),
            *[("C1", code, title, {"pilots": ("Groupe santé périnatale",)}) for code, title in (
                ("C1.1", "Diagnostic santé de la femme"),
                ("C1.2", "Promotion de la santé sexuelle et accès aux soins des femmes et "
                         "adolescentes"),
                ("C1.3", "Prévenir et lutter contre les violences faites aux femmes"),
                ("C1.4-C1.5", "Santé périnatale"))],
            *[("C2", code, title, {"pilots": ("Groupe santé des enfants",)}) for code, title in (
                ("C2.1-C2.4+C2.8", "Éducation à la santé"),
                ("C2.5", "Projet de « réussite éducative en santé » : Accrocheur à la santé"),
                ("C2.6", "Renforcement des compétences psychosociales"),
                ("C2.7", "Plan d'action pour l'inclusion des enfants porteurs de handicap"))],
            *[("C3", code, title, {"pilots": ("Groupe santé des jeunes / ESJ",)})
              for code, title in (
                ("C3.1+C3.7", "Promouvoir la santé des jeunes par une approche globale et "
                              "positive"),
                ("C3.2+C3.3", "PAEJ/ESJ : un lieu d'accueil et d'écoute, accès aux droits, "
                              "aux soins et à la prévention"),
                ("C3.4-C3.5", "Lutte contre les violences et discriminations, santé sexuelle "
                              "et prévention de la prostitution"),
                ("C3.6", "Soutenir la parentalité à l'adolescence"))],
            *[("C4", code, title, {"pilots": ("Groupe santé personnes âgées",)})
              for code, title in (
                ("C4.1", "Favoriser le bien vieillir à Gennevilliers par une approche globale "
                         "et positive"),
                ("C4.2", "Favoriser l'activité physique chez la personne âgée"),
                ("C4.3", "Repérer la fragilité et la prendre en charge au sein d'un parcours"))],
            *[("C5", code, title, {"pilots": ("Groupe santé population vulnérables",)})
              for code, title in (
                ("C5.1", "Parcours de sortie de rue avec un parcours de santé au long cours"),
                ("C5.2", "Améliorer l'accès aux droits"), ("C5.3", "Promotion de la santé"))],
            ("D1", "D1-1", "Cellule de crise mobilisable", {
                "objectives": "Rédiger un document formalisant l'organisation d'une cellule "
                              "de crise mobilisable ; animer les RETEX.",
                "pilots": ("Direction municipale de la santé publique de Gennevilliers",)}),
        ],
        "bodies": (
            ("steering_committee", "Comité de pilotage", "Se réunit 3 fois sur 2021-2026",
             ("ARS Île-de-France",
              "Direction municipale de la santé publique de Gennevilliers")),
            ("technical_committee", "Comité technique", "Se réunit une fois par an", ()),
            *[("working_group", f"Groupe « {theme} »", theme, ()) for theme in (
                "Transition écologique", "Habitat insalubre", "Offre de soin",
                "Santé des femmes et santé périnatale", "Santé des enfants",
                "Santé des jeunes", "Santé des personnes âgées",
                "Santé des publics en grandes difficultés sociales")],
        ),
        "meeting": ("Comité de pilotage", "+01:00", "Hôtel de ville de Gennevilliers",
                    "Point d'étape du CLS 2021-2026"),
    },
}

# "Passage du CLS2 vers le CLS3" (Gennevilliers): the CLS2 themes and the CLS3 axes
# that took them over; the Aurillac news item: what the new CLS continues.
LINEAGE = (
    (GENNEVILLIERS_CLS2, GENNEVILLIERS, "axis", (
        ("T1", "A2", "continued", "Santé environnementale → A2 Environnement et santé"),
        ("T2", "B1", "continued", "Accès aux soins → B1 Offre et recours aux soins"),
        ("T3", "AXE B", "continued", "Santé mentale → axe B (« prendre en compte la santé "
                                     "mentale »)"),
        ("T4", "C1", "continued", ""), ("T5", "C2", "continued", ""),
        ("T6", "C3", "continued", ""), ("T7", "C5", "continued", ""))),
    (AURILLAC_2016, AURILLAC, "action", (
        ("B-1", "1-1", "continued", "Guichet unique avec Cantal Attractivité"),
        ("B-2", "1-2", "continued", "Maintien des bourses"),
        ("B-4", "4-3", "continued", "La dénutrition reste un thème"),
        ("B-5", "4-2", "continued", "Mise en réseau avec le DAC et le DAHLIR"))),
)
