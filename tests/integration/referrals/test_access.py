"""Who sees what: every role on every referral endpoint, object-level checks, the audit."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from services.referrals.store.referral_tables import audit_log
from shared.messaging.schema import outbox
from tests.integration.referrals.conftest import NAME, SURNAME, submit

pytestmark = pytest.mark.integration

# member -> expected status, for a referral sent by the CPTS to the CCAS de Créteil.
DETAIL = {"referrer": 200, "colleague": 200, "other_referrer": 404, "handler": 200,
          "handler2": 200, "other_handler": 404, "coordinator": 403, "admin": 403}
NOTES = {"referrer": 403, "colleague": 403, "other_referrer": 403, "handler": 200,
         "handler2": 200, "other_handler": 404, "coordinator": 403, "admin": 403}
MESSAGES = {**DETAIL}


def audit_rows(client):
    with client.sessions() as session:
        return [dict(r._mapping) for r in session.execute(
            select(audit_log).order_by(audit_log.c.occurred_at))]


@pytest.mark.parametrize("path,expected", [("", DETAIL), ("/notes", NOTES),
                                           ("/messages", MESSAGES)])
def test_read_matrix(client, path, expected):
    referral = submit(client)
    url = f"/api/v1/referrals/{referral['id']}{path}"
    assert client.get(url).status_code == 401
    for name, status in expected.items():
        response = client.get(url, headers=client.as_(getattr(client.world, name)))
        assert response.status_code == status, (name, response.json)
        if status != 200:
            assert NAME not in response.get_data(as_text=True)


def test_write_matrix_for_notes_and_messages(client):
    world = client.world
    referral = submit(client)
    base = f"/api/v1/referrals/{referral['id']}"
    note = {"body": "Rappeler lundi"}
    assert client.post(base + "/notes", json=note, headers=client.as_(world.referrer)) \
        .status_code == 403
    assert client.post(base + "/notes", json=note, headers=client.as_(world.other_handler)) \
        .status_code == 404
    assert client.post(base + "/notes", json=note, headers=client.as_(world.handler)) \
        .status_code == 201
    assert client.post(base + "/messages", json={"body": "Rendez-vous fixé"},
                       headers=client.as_(world.handler)).status_code == 201
    client.now[0] += timedelta(minutes=5)
    assert client.post(base + "/messages", json={"body": "Merci"},
                       headers=client.as_(world.referrer)).status_code == 201
    assert client.post(base + "/messages", json={"body": "?"},
                       headers=client.as_(world.other_referrer)).status_code == 404
    seen_by_referrer = client.get(base, headers=client.as_(world.referrer)).json
    assert [m["body"] for m in seen_by_referrer["messages"]] == ["Rendez-vous fixé", "Merci"]
    assert "notes" not in seen_by_referrer
    assert "Rappeler lundi" not in json.dumps(seen_by_referrer)
    seen_by_handler = client.get(base, headers=client.as_(world.handler)).json
    assert [n["body"] for n in seen_by_handler["notes"]] == ["Rappeler lundi"]
    with client.sessions() as session:
        shared = [json.loads(e) for e in session.execute(
            select(outbox.c.envelope).where(outbox.c.routing_key == "referrals.message.shared"))
            .scalars()]
    assert len(shared) == 2
    assert "Rendez-vous" not in json.dumps(shared)


def test_lists_show_each_side_only_its_referrals(client):
    world = client.world
    mine = submit(client)
    theirs = submit(client, member=world.other_referrer, beneficiary={"commune": "94046"})

    def ids(member, query=""):
        response = client.get(f"/api/v1/referrals{query}", headers=client.as_(member))
        assert response.status_code == 200, response.json
        return [item["id"] for item in response.json["items"]]

    assert ids(world.referrer) == [mine["id"]]
    assert ids(world.other_referrer) == [theirs["id"]]
    assert ids(world.handler) == [mine["id"]]
    assert ids(world.other_handler) == [theirs["id"]]
    assert client.get("/api/v1/referrals", headers=client.as_(world.coordinator)).status_code \
        == 403
    assert client.get("/api/v1/referrals?side=receiving",
                      headers=client.as_(world.referrer)).status_code == 403
    referrer_items = client.get("/api/v1/referrals", headers=client.as_(world.referrer)).json
    assert "beneficiary" not in referrer_items["items"][0], "no identity in referrer lists"
    handler_items = client.get("/api/v1/referrals", headers=client.as_(world.handler)).json
    assert handler_items["items"][0]["beneficiary"]["last_name"] == SURNAME


def test_every_identity_read_and_every_denial_is_audited_without_personal_data(client):
    world = client.world
    referral = submit(client)
    url = f"/api/v1/referrals/{referral['id']}"
    client.get(url, headers=client.as_(world.handler, **{"X-Request-ID": "req-read-1"}))
    client.get(url, headers=client.as_(world.other_handler, **{"X-Request-ID": "req-deny-1"}))
    client.get("/api/v1/referrals", headers=client.as_(world.handler))
    rows = audit_rows(client)
    actions = [(r["action"], r["member_id"]) for r in rows]
    assert ("update", world.referrer.id) in actions  # the intake
    assert ("read", world.handler.id) in actions
    assert ("denied", world.other_handler.id) in actions
    assert ("list", world.handler.id) in actions
    read = next(r for r in rows if r["request_id"] == "req-read-1")
    assert (str(read["referral_id"]), read["organisation_id"], read["roles"]) == (
        referral["id"], world.ccas, "handler")
    assert next(r for r in rows if r["request_id"] == "req-deny-1")["action"] == "denied"
    everything = json.dumps(rows, default=str)
    assert NAME not in everything and SURNAME not in everything


def test_the_audit_log_is_append_only(client):
    submit(client)
    with pytest.raises(Exception, match="append-only"), client.sessions.begin() as session:
        session.execute(text("UPDATE audit_log SET purpose = 'x'"))
    with pytest.raises(Exception, match="append-only"), client.sessions.begin() as session:
        session.execute(text("DELETE FROM audit_log"))


def test_a_token_without_an_organisation_cannot_act_as_a_member(client):
    from tests.integration.referrals.conftest import Member
    stray = Member("not-a-uuid", None, ("referrer",))
    response = client.get("/api/v1/referrals", headers=client.as_(stray))
    assert response.status_code == 403


def test_the_coded_lists_are_for_signed_in_members(client):
    assert client.get("/api/v1/referral-codes").status_code == 401
    codes = client.get("/api/v1/referral-codes", headers=client.as_(client.world.referrer)).json
    assert codes["outcomes"]["need_met"] == "Besoin couvert"
    assert {"from": "requested", "action": "cancel", "to": "cancelled",
            "by": "referrer"} in codes["transitions"]
