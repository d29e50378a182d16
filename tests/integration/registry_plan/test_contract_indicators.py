"""`GET /contracts/<id>/indicators`: every indicator of a contract's fiches in one answer,
with the same current values as each fiche's own list."""

import uuid

import pytest
from sqlalchemy import event

from services.registry import worker
from shared.messaging.consumer import EventProcessor
from tests.integration.registry_plan.helpers import plan_with_fiche, referral_envelope

pytestmark = pytest.mark.integration


def add_fiche(client, contract, axis, code):
    response = client.post(f"/api/v1/contracts/{contract}/actions", headers=client.admin,
                           json={"axis_id": axis, "code": code, "title": f"Fiche {code}"})
    assert response.status_code == 201, response.json
    return response.json["id"]


def add_indicator(client, fiche, **body):
    response = client.post(f"/api/v1/actions/{fiche}/indicators", json=body,
                           headers=client.admin)
    assert response.status_code == 201, response.json
    return response.json


def test_every_fiche_indicator_with_its_fiche_and_current_value(any_client):
    client = any_client
    contract, axis, sso = plan_with_fiche(client, code="SSO")
    bourses = add_fiche(client, contract, axis, "B1")
    add_fiche(client, contract, axis, "VIDE")  # a fiche without indicators adds nothing
    _, _, elsewhere = plan_with_fiche(client, code="AILLEURS", contract=client.contract("Autre"))
    add_indicator(client, elsewhere, name="d'un autre contrat")
    followed = add_indicator(client, sso, name="personnes suivies", unit="personnes",
                             baseline=0, target=200)
    oriented = add_indicator(client, sso, name="personnes orientées", source="computed",
                             metric="distinct_beneficiaries")
    granted = add_indicator(client, bourses, name="bourses attribuées", target=40)
    for day, value in (("2024-04-18", 150), ("2023-04-18", 120)):
        assert client.post(f"/api/v1/indicators/{followed['id']}/measurements",
                           json={"measured_on": day, "value": value},
                           headers=client.admin).status_code == 201
    processor = EventProcessor(consumer=worker.QUEUE, session_factory=client.sessions,
                               handlers=worker.HANDLERS)
    processor.process(referral_envelope(uuid.uuid4(), 1, "requested", action_id=sso,
                                        contract_id=contract, beneficiary=uuid.uuid4(),
                                        referrer=uuid.uuid4()))

    answer = client.get(f"/api/v1/contracts/{contract}/indicators",
                        headers=client.token("referrer"))
    assert answer.status_code == 200
    items = answer.json["items"]
    # By fiche code, then in each fiche's own order.
    assert [(i["action_code"], i["name"]) for i in items] == [
        ("B1", "bourses attribuées"), ("SSO", "personnes suivies"),
        ("SSO", "personnes orientées")]
    by_id = {i["id"]: i for i in items}
    assert by_id[followed["id"]]["action_id"] == sso
    assert by_id[granted["id"]]["action_id"] == bourses
    assert by_id[followed["id"]]["current"] == {"value": 150, "measured_at": "2024-04-18"}
    assert (by_id[followed["id"]]["unit"], by_id[followed["id"]]["baseline"],
            by_id[followed["id"]]["target"], by_id[followed["id"]]["source"]) == \
        ("personnes", 0, 200, "manual")
    assert by_id[oriented["id"]]["current"]["value"] == 1
    assert by_id[granted["id"]]["current"] == {"value": None, "measured_at": None}
    # The same values as each fiche's own list.
    for fiche in (sso, bourses):
        own = client.get(f"/api/v1/actions/{fiche}/indicators", headers=client.admin).json
        for indicator in own["items"]:
            assert {k: v for k, v in by_id[indicator["id"]].items()
                    if k != "action_code"} == indicator


def test_a_contract_without_plan_has_no_indicators(client):
    contract = client.contract()
    answer = client.get(f"/api/v1/contracts/{contract}/indicators",
                        headers=client.token("handler"))
    assert (answer.status_code, answer.json) == (200, {"items": []})


def test_anonymous_is_401_and_an_unknown_contract_404(client):
    contract, _, _ = plan_with_fiche(client)
    anonymous = client.get(f"/api/v1/contracts/{contract}/indicators")
    assert anonymous.status_code == 401
    assert anonymous.mimetype == "application/problem+json"
    unknown = client.get(f"/api/v1/contracts/{uuid.uuid4()}/indicators", headers=client.admin)
    assert unknown.status_code == 404
    assert unknown.mimetype == "application/problem+json"
    assert client.get("/api/v1/contracts/pas-un-id/indicators",
                      headers=client.admin).status_code == 404


@pytest.mark.parametrize("roles", [("referrer",), ("handler",), ("coordinator",), ("admin",)])
def test_every_signed_in_role_reads_them(client, roles):
    contract, _, fiche = plan_with_fiche(client)
    add_indicator(client, fiche, name="personnes suivies")
    answer = client.get(f"/api/v1/contracts/{contract}/indicators",
                        headers=client.token(*roles, member=uuid.uuid4()))
    assert answer.status_code == 200 and len(answer.json["items"]) == 1


def test_a_few_queries_however_many_fiches(client):
    """The point of the endpoint: no query per fiche or per indicator."""
    contract, axis, first = plan_with_fiche(client)
    fiches = [first] + [add_fiche(client, contract, axis, f"F{n}") for n in range(6)]
    for fiche in fiches:
        add_indicator(client, fiche, name="saisi")
        add_indicator(client, fiche, name="calculé", source="computed",
                      metric="distinct_referrers")
    engine = client.sessions.kw["bind"]
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        answer = client.get(f"/api/v1/contracts/{contract}/indicators", headers=client.admin)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(answer.json["items"]) == 14
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 6, selects
