"""The triage queue's counters and the list without identities: no identity read,
so no identity-access audit row."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from services.referrals.store.referral_tables import audit_log
from tests.integration.referrals.conftest import NAME, act, submit

pytestmark = pytest.mark.integration

ZERO = {"new": 0, "urgent": 0, "overdue": 0, "assigned_to_me": 0, "open": 0}


def audit_count(client):
    with client.sessions() as session:
        return session.execute(select(func.count()).select_from(audit_log)).scalar()


def counters(client, member):
    response = client.get("/api/v1/referrals/counters", headers=client.as_(member))
    assert response.status_code == 200, response.json
    return response.json


def test_counters_of_the_organisations_queue(client):
    world = client.world
    assert counters(client, world.handler) == ZERO
    old = submit(client)                                   # will be overdue
    client.now[0] += timedelta(days=11)                    # reminder after 10 days
    urgent = submit(client, urgency="urgent")
    accepted = act(client, world.handler, submit(client, urgency="urgent"), "accept").json
    client.put(f"/api/v1/referrals/{accepted['id']}/assignment",
               json={"assignee_member_id": world.handler.id},
               headers=client.as_(world.handler, **{"If-Match": f'W/"{accepted["version"]}"'}))
    client.put(f"/api/v1/referrals/{urgent['id']}/assignment",
               json={"assignee_member_id": world.handler2.id},
               headers=client.as_(world.handler, **{"If-Match": 'W/"1"'}))
    act(client, world.handler, submit(client), "reject", reason_code="out_of_scope")
    submit(client, beneficiary={"commune": "94046"})       # another CCAS's queue
    before = audit_count(client)
    assert counters(client, world.handler) == {
        "new": 2, "urgent": 2, "overdue": 1, "assigned_to_me": 1, "open": 3}
    assert counters(client, world.handler2)["assigned_to_me"] == 1
    assert counters(client, world.other_handler) == {**ZERO, "new": 1, "open": 1}
    assert counters(client, world.sport_handler) == ZERO
    assert audit_count(client) == before, "no identity read, no audit row"
    act(client, world.referrer, old, "cancel")
    assert counters(client, world.handler)["overdue"] == 0


@pytest.mark.parametrize("name,expected", [
    ("referrer", 403), ("other_referrer", 403), ("coordinator", 403), ("admin", 403),
    ("handler", 200), ("other_handler", 200)])
def test_counters_roles(client, name, expected):
    submit(client)
    assert client.get("/api/v1/referrals/counters").status_code == 401
    response = client.get("/api/v1/referrals/counters",
                          headers=client.as_(getattr(client.world, name)))
    assert response.status_code == expected
    assert NAME not in response.get_data(as_text=True)


def test_the_organisation_comes_from_the_token_not_the_query(client):
    submit(client)
    response = client.get(f"/api/v1/referrals/counters?organisation_id={client.world.ccas}",
                          headers=client.as_(client.world.other_handler))
    assert response.status_code == 200 and response.json == ZERO


@pytest.mark.parametrize("query", ["fields=summary", "include_identity=false",
                                   "fields=summary&include_identity=true",
                                   "status=requested&fields=summary&limit=1"])
def test_the_summary_list_has_no_identity_and_writes_no_audit(client, query):
    world = client.world
    made = []
    for _ in range(2):
        made.append(submit(client)["id"])
        client.now[0] += timedelta(minutes=1)
    before = audit_count(client)
    response = client.get(f"/api/v1/referrals?{query}", headers=client.as_(world.handler))
    assert response.status_code == 200, response.json
    page = response.json
    assert [i["id"] for i in page["items"]] == made[:len(page["items"])]
    assert page["items"] and all("beneficiary" not in i and "description" not in i
                                 for i in page["items"])
    assert NAME not in response.get_data(as_text=True)
    assert audit_count(client) == before


def test_the_default_list_is_unchanged_identity_and_audit(client):
    world = client.world
    submit(client)
    before = audit_count(client)
    for query in ("", "?fields=full", "?include_identity=true"):
        items = client.get(f"/api/v1/referrals{query}",
                           headers=client.as_(world.handler)).json["items"]
        assert items[0]["beneficiary"]["first_name"] == NAME
    assert audit_count(client) == before + 3
    keys = set(client.get("/api/v1/referrals?fields=summary",
                          headers=client.as_(world.handler)).json["items"][0])
    assert keys | {"beneficiary"} == set(items[0])


@pytest.mark.parametrize("query,field", [("fields=everything", "fields"),
                                         ("include_identity=peut-etre", "include_identity")])
def test_bad_list_options_name_the_field(client, query, field):
    response = client.get(f"/api/v1/referrals?{query}", headers=client.as_(client.world.handler))
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json["errors"]]


@pytest.mark.parametrize("name,expected", [("referrer", 200), ("coordinator", 403),
                                           ("admin", 403)])
def test_summary_list_roles(client, name, expected):
    submit(client)
    assert client.get("/api/v1/referrals?fields=summary").status_code == 401
    response = client.get("/api/v1/referrals?fields=summary",
                          headers=client.as_(getattr(client.world, name)))
    assert response.status_code == expected
    assert NAME not in response.get_data(as_text=True)
