"""The CSV export of an action plan, parsed back as French Excel would read it."""

import csv
import io

import pytest

from services.registry.api.plan.export import HEADERS

pytestmark = pytest.mark.integration


def test_the_action_plan_exports_as_french_excel_csv(any_client):
    client = any_client
    contract = client.contract("CLS de Gennevilliers")
    ccas = client.organisation("CCAS de Gennevilliers")

    def post(path, body):
        response = client.post(path, json=body, headers=client.admin)
        assert response.status_code == 201, response.json
        return response.json["id"]

    axe_c = post(f"/api/v1/contracts/{contract}/axes",
                 {"code": "AXE C", "title": "Parcours de santé pour les plus vulnérables",
                  "position": 2})
    c2 = post(f"/api/v1/contracts/{contract}/axes",
              {"code": "C2", "title": "Santé des enfants 3-11 ans", "parent_id": axe_c})
    axe_a = post(f"/api/v1/contracts/{contract}/axes",
                 {"code": "AXE A", "title": "La santé dans toutes les politiques locales",
                  "position": 1})
    fiche = post(f"/api/v1/contracts/{contract}/actions", {
        "axis_id": c2, "code": "C2.5", "title": "Réussite éducative en santé",
        "objectives": "=HYPERLINK(\"http://example.org\")", "status": "in_progress",
        "priority": "high", "starts_on": "2022-09-01", "ends_on": "2026-06-30",
        "budget_amount": "7000.50", "budget_period": "yearly", "funders": ["ARS", "Ville"],
        "pilots": [{"name": "Groupe santé des enfants"}],
        "carriers": [{"organisation_id": ccas}]})
    post(f"/api/v1/contracts/{contract}/actions",
         {"axis_id": axe_a, "code": "A1", "title": "Observatoire local de santé"})
    indicator = post(f"/api/v1/actions/{fiche}/indicators",
                     {"name": "enfants suivis", "unit": "enfants", "target": 40})
    post(f"/api/v1/indicators/{indicator}/measurements",
         {"measured_on": "2024-06-30", "value": 12.5})

    response = client.get(f"/api/v1/contracts/{contract}/action-plan.csv",
                          headers=client.token("handler"))
    assert response.status_code == 200
    assert response.content_type == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf"), "a BOM, so Excel reads UTF-8"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert tuple(rows[0]) == HEADERS
    assert [row[2] for row in rows[1:]] == ["A1", "C2.5"], "axis tree order, then code"
    row = dict(zip(rows[0], rows[2], strict=True))
    assert row["Axe"] == "AXE C – Parcours de santé pour les plus vulnérables"
    assert row["Sous-axe"] == "C2 – Santé des enfants 3-11 ans"
    assert row["Objectifs"] == "'=HYPERLINK(\"http://example.org\")", "no formula injection"
    assert (row["Statut"], row["Priorité"]) == ("En cours", "Haute")
    assert (row["Date de début"], row["Date de fin"]) == ("01/09/2022", "30/06/2026")
    assert (row["Budget (€)"], row["Période du budget"]) == ("7000,50", "par an")
    assert (row["Pilotes"], row["Porteurs"]) == ("Groupe santé des enfants",
                                                 "CCAS de Gennevilliers")
    assert row["Financeurs"] == "ARS, Ville"
    assert row["Indicateurs"] == "enfants suivis : 12,50 enfants (cible 40)"


def test_an_empty_plan_exports_its_headers_only(client):
    contract = client.contract()
    response = client.get(f"/api/v1/contracts/{contract}/action-plan.csv",
                          headers=client.token("referrer"))
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows == [list(HEADERS)]
