"""`python -m services.registry export-action-plan`: the same CSV as the API."""

import csv
import io

import pytest
from click.testing import CliRunner

from services.registry.cli import cli

pytestmark = pytest.mark.integration


def test_the_command_exports_a_plan_by_name_or_id(any_client, any_database_url, monkeypatch,
                                                 tmp_path):
    client = any_client
    contract = client.contract("CLS de Créteil")
    axis = client.post(f"/api/v1/contracts/{contract}/axes", headers=client.admin,
                       json={"code": "AXE 1", "title": "Accès aux droits et aux soins"}).json
    client.post(f"/api/v1/contracts/{contract}/actions", headers=client.admin,
                json={"axis_id": axis["id"], "code": "1-1", "title": "Répertoire de l'offre"})
    monkeypatch.setenv("RELAIS_DATABASE_URL", any_database_url)
    by_name = CliRunner().invoke(cli, ["export-action-plan", "CLS de Créteil"])
    assert by_name.exit_code == 0, by_name.output
    rows = list(csv.reader(io.StringIO(by_name.stdout_bytes.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][2:4] == ["1-1", "Répertoire de l'offre"]
    target = tmp_path / "plan.csv"
    by_id = CliRunner().invoke(cli, ["export-action-plan", contract, "--output", str(target)])
    assert by_id.exit_code == 0 and target.read_bytes() == by_name.stdout_bytes
    missing = CliRunner().invoke(cli, ["export-action-plan", "CLS de Nulle Part"])
    assert missing.exit_code != 0 and "introuvable" in missing.output
