"""Every plan endpoint, every caller: 401 without a token, 403 for a role or a contract
that is not the caller's, success for an admin or the contract's own coordinator."""

import uuid

import pytest

from tests.integration.registry_plan.conftest import OTHER_COORDINATOR

pytestmark = pytest.mark.integration


@pytest.fixture
def world(client):
    """A contract (with a predecessor) holding one of everything."""
    ids = {}

    def post(path, body, name):
        response = client.post(path.format(**ids), json=body, headers=client.admin)
        assert response.status_code == 201, (path, response.json)
        ids[name] = response.json["id"]

    ids["previous"] = client.contract("CLS 2015")
    ids["contract"] = client.contract("CLS 2022", predecessor_id=ids["previous"])
    client.contract("Autre CLS", coordinator_member_id=OTHER_COORDINATOR)
    post("/api/v1/contracts/{previous}/axes", {"code": "1", "title": "Ancien axe"}, "old_axis")
    post("/api/v1/contracts/{previous}/actions",
         {"axis_id": ids["old_axis"], "code": "1.1", "title": "Ancienne fiche"}, "old_fiche")
    post("/api/v1/contracts/{contract}/axes", {"code": "A", "title": "Axe A"}, "axis")
    post("/api/v1/contracts/{contract}/axes", {"code": "B", "title": "Axe B"}, "empty_axis")
    post("/api/v1/contracts/{contract}/actions",
         {"axis_id": ids["axis"], "code": "A-1", "title": "Fiche"}, "fiche")
    post("/api/v1/contracts/{contract}/actions",
         {"axis_id": ids["axis"], "code": "A-2", "title": "Fiche 2"}, "fiche2")
    post("/api/v1/actions/{fiche}/indicators", {"name": "personnes suivies"}, "indicator")
    post("/api/v1/indicators/{indicator}/measurements",
         {"measured_on": "2024-01-01", "value": 1}, "measurement")
    post("/api/v1/contracts/{contract}/bodies",
         {"kind": "steering_committee", "name": "COPIL"}, "body")
    post("/api/v1/contracts/{contract}/bodies",
         {"kind": "working_group", "name": "GT", "theme": "jeunes"}, "empty_body")
    post("/api/v1/bodies/{body}/meetings", {"starts_at": "2027-01-01T10:00:00Z"}, "meeting")
    post("/api/v1/contracts/{contract}/lineage",
         {"kind": "action", "source_id": ids["old_fiche"], "target_id": ids["fiche"],
          "relation": "continued"}, "link")
    return ids


READS = [
    "/api/v1/contracts/{contract}/axes", "/api/v1/axes/{axis}",
    "/api/v1/contracts/{contract}/actions", "/api/v1/actions/{fiche}",
    "/api/v1/actions/{fiche}/history", "/api/v1/actions/{fiche}/indicators",
    "/api/v1/indicators/{indicator}", "/api/v1/indicators/{indicator}/measurements",
    "/api/v1/contracts/{contract}/action-plan.csv", "/api/v1/contracts/{contract}/bodies",
    "/api/v1/bodies/{body}", "/api/v1/contracts/{contract}/meetings",
    "/api/v1/meetings/{meeting}", "/api/v1/contracts/{contract}/lineage",
]

WRITES = [
    ("post", "/api/v1/contracts/{contract}/axes", {"code": "Z", "title": "Z"}, 201),
    ("patch", "/api/v1/axes/{axis}", {"title": "Renommé"}, 200),
    ("delete", "/api/v1/axes/{empty_axis}", None, 204),
    ("post", "/api/v1/contracts/{contract}/actions",
     {"axis_id": "{axis}", "code": "A-9", "title": "Nouvelle"}, 201),
    ("patch", "/api/v1/actions/{fiche}", {"status": "late"}, 200),
    ("delete", "/api/v1/actions/{fiche2}", None, 204),
    ("post", "/api/v1/actions/{fiche}/indicators", {"name": "médecins"}, 201),
    ("patch", "/api/v1/indicators/{indicator}", {"target": 3}, 200),
    ("post", "/api/v1/indicators/{indicator}/measurements",
     {"measured_on": "2024-02-01", "value": 2}, 201),
    ("delete", "/api/v1/indicators/{indicator}", None, 204),
    ("post", "/api/v1/contracts/{contract}/bodies",
     {"kind": "technical_committee", "name": "COTECH"}, 201),
    ("patch", "/api/v1/bodies/{body}", {"name": "Comité de pilotage"}, 200),
    ("delete", "/api/v1/bodies/{empty_body}", None, 204),
    ("post", "/api/v1/bodies/{body}/meetings", {"starts_at": "2027-02-01T10:00:00Z"}, 201),
    ("patch", "/api/v1/meetings/{meeting}", {"place": "Mairie"}, 200),
    ("post", "/api/v1/contracts/{contract}/lineage",
     {"kind": "axis", "source_id": "{old_axis}", "target_id": "{axis}",
      "relation": "continued"}, 201),
    ("delete", "/api/v1/lineage/{link}", None, 204),
]


def _fill(value, ids):
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value.format(**ids) if isinstance(value, str) else value


def test_every_signed_in_member_reads_and_nobody_else(client, world):
    for path in READS:
        url = path.format(**world)
        anonymous = client.get(url)
        assert (anonymous.status_code, anonymous.json["code"]) == (401, "unauthorized"), path
        for roles in (("referrer",), ("handler",), ("coordinator",), ("admin",)):
            response = client.get(url, headers=client.token(*roles, member=OTHER_COORDINATOR))
            assert response.status_code == 200, (path, roles, response.json)


def test_only_an_admin_or_the_contracts_coordinator_writes(client, world):
    """One world, every write in turn (in an order where each success leaves the next
    one possible): refused for everyone else, then done by the contract's coordinator."""
    refused = [client.token("referrer"), client.token("handler"),
               client.token("referrer", "handler"),
               client.token("coordinator", member=OTHER_COORDINATOR),  # another contract's
               client.token("coordinator", member=uuid.uuid4())]
    for method, path, body, success in WRITES:
        url, body = path.format(**world), _fill(body, world)
        call = getattr(client, method)
        kwargs = {"json": body} if body is not None else {}
        events_before = client.outbox_types()
        assert call(url, **kwargs).status_code == 401, path
        for headers in refused:
            response = call(url, headers=headers, **kwargs)
            assert (response.status_code, response.json["code"]) == (403, "forbidden"), \
                (method, path)
        assert client.outbox_types() == events_before, f"a refusal changed {path}"
        done = call(url, headers=client.coordinator, **kwargs)
        assert done.status_code == success, (method, path, done.json)


def test_a_contract_without_coordinator_is_written_by_admins_only(client):
    contract = client.contract("Sans coordination", coordinator_member_id=None)
    body = {"code": "A", "title": "Axe"}
    url = f"/api/v1/contracts/{contract}/axes"
    assert client.post(url, json=body, headers=client.coordinator).status_code == 403
    assert client.post(url, json=body, headers=client.admin).status_code == 201
