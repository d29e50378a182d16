"""Need categories: what a professional can raise. Seeded list, French labels
(what people read); codes are stable English identifiers (what the API and events carry)."""

SEEDED_NEED_CATEGORIES: dict[str, str] = {
    "access_to_rights": "Accès aux droits",
    "domiciliation": "Domiciliation (adresse postale)",
    "financial_aid": "Aide financière",
    "food_aid": "Aide alimentaire",
    "autonomy": "Perte d'autonomie",
    "childcare": "Garde d'enfants (crèche, RPE, LAEP)",
    "housing": "Logement, habitat indigne",
    "mental_health": "Santé mentale",
    "addiction": "Addictions",
    "physical_activity_prescription": "Activité physique sur ordonnance",
    "isolation": "Isolement",
    "violence": "Violences",
}
