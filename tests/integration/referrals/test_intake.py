"""Intake: validation naming each field, routing from the local read models, idempotency."""

import json

import pytest
from sqlalchemy import select

from services.referrals.app import create_app
from services.referrals.store.referral_tables import beneficiaries, referrals
from shared.messaging.schema import outbox
from shared.testing.servers import free_port
from shared.testing.tokens import TokenFactory, serve_jwks
from tests.integration.referrals.conftest import NAME, SURNAME, intake, settings_for, submit

pytestmark = pytest.mark.integration


def outbox_rows(client):
    with client.sessions() as session:
        return [json.loads(e) for e in session.execute(
            select(outbox.c.envelope).order_by(outbox.c.seq)).scalars()]


def test_a_referrer_submits_and_the_need_is_routed_to_the_ccas_of_the_commune(client):
    world = client.world
    response = client.post("/api/v1/referrals", json=intake(),
                           headers=client.as_(world.referrer))
    assert response.status_code == 201, response.json
    body = response.json
    assert response.headers["ETag"] == 'W/"1"'
    assert (body["status"], body["receiving_organisation_id"]) == ("requested", world.ccas)
    assert body["referrer_organisation_id"] == world.cpts
    assert body["contract_id"] == world.contract
    assert body["beneficiary"]["first_name"] == NAME
    assert "notes" not in body, "the referrer never sees internal notes"
    envelopes = outbox_rows(client)
    assert [e["type"] for e in envelopes] == ["referrals.referral.submitted"]
    assert envelopes[0]["data"]["receiving_organisation_id"] == world.ccas
    assert envelopes[0]["correlationid"] == response.headers["X-Request-ID"]


@pytest.mark.parametrize("extra", [{}, {"pathway_id": "pathway"}], ids=["routed", "pathway"])
def test_the_201_answer_is_what_reading_the_referral_back_shows(client, extra):
    """The answer is built from what intake wrote, without reading it back: it must not
    differ from the stored referral by a field, a date or an offset."""
    world = client.world
    if extra:
        extra = {"pathway_id": world.pathway, "need_category": "sport_health"}
    body = intake(consent={"obtained_at": "2026-01-05T12:00:00+04:00"},
                  beneficiary={"first_name": " Zéphyrine ", "email": "z@example.org"},
                  **extra)
    created = client.post("/api/v1/referrals", json=body, headers=client.as_(world.referrer))
    assert created.status_code == 201, created.json
    read = client.get(f"/api/v1/referrals/{created.json['id']}",
                      headers=client.as_(world.referrer))
    assert created.json == read.json
    assert created.headers["ETag"] == read.headers["ETag"]


def test_identity_and_description_are_stored_encrypted(client):
    submit(client)
    with client.sessions() as session:
        person = session.execute(select(beneficiaries)).one()
        referral = session.execute(select(referrals)).one()
    stored = " ".join(str(v) for v in (*person, *referral))
    assert NAME not in stored and SURNAME not in stored and "1950" not in stored
    assert "ouvrir ses droits" not in stored


@pytest.mark.parametrize("commune,category,expected", [
    ("94028", "social_rights", "ccas"),        # territory-wide rule
    ("94046", "social_rights", "ccas_other"),  # a rule naming the commune, higher precedence
    ("94046", "housing", "ccas"),              # no rule: the contract's fallback
])
def test_routing_resolution(client, commune, category, expected):
    body = submit(client, beneficiary={"commune": commune}, need_category=category)
    assert body["receiving_organisation_id"] == getattr(client.world, expected)


def test_a_commune_no_contract_covers_is_refused_never_sent_nowhere(client):
    response = client.post("/api/v1/referrals",
                           json=intake(beneficiary={"commune": "15014"}),
                           headers=client.as_(client.world.referrer))
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "beneficiary.commune"
    assert "Aucun contrat" in response.json["detail"]
    assert outbox_rows(client) == []


@pytest.mark.parametrize("overrides,field", [
    ({"consent": None}, "consent"),
    ({"beneficiary": {"commune": "99999"}}, "beneficiary.commune"),
    ({"beneficiary": {"commune": "abc"}}, "beneficiary.commune"),
    ({"beneficiary": {"birth_date": "2999-01-01"}}, "beneficiary.birth_date"),
    ({"beneficiary": {"birth_date": "1850-01-01"}}, "beneficiary.birth_date"),
    ({"beneficiary": {"first_name": ""}}, "beneficiary.first_name"),
    ({"consent": {"obtained_at": "2999-01-01T00:00:00Z"}}, "consent.obtained_at"),
    ({"consent": {"method": "telepathy"}}, "consent.method"),
    ({"need_category": "gardening"}, "need_category"),
    ({"need_category": "Bad Code"}, "need_category"),
    ({"description": "x" * 2001}, "description"),
    ({"urgency": "whenever"}, "urgency"),
    ({"colour": "red"}, "colour"),
    ({"pathway_id": "6d6bc68f-4881-4159-b0f3-317b52ed8009"}, "pathway_id"),
    ({"action_id": "6d6bc68f-4881-4159-b0f3-317b52ed8009"}, "action_id"),
])
def test_bad_input_is_a_422_naming_the_field(client, overrides, field):
    response = client.post("/api/v1/referrals", json=intake(**overrides),
                           headers=client.as_(client.world.referrer))
    assert response.status_code == 422, response.json
    assert response.content_type == "application/problem+json"
    assert field in {e.get("field") for e in response.json["errors"]}
    assert outbox_rows(client) == []


def test_a_referral_links_to_a_fiche_action(client):
    body = submit(client, action_id=client.world.action)
    assert body["action_id"] == client.world.action
    assert outbox_rows(client)[0]["data"]["action_id"] == client.world.action


def test_roles(client):
    world = client.world
    assert client.post("/api/v1/referrals", json=intake()).status_code == 401
    for member in (world.handler, world.coordinator, world.admin):
        response = client.post("/api/v1/referrals", json=intake(), headers=client.as_(member))
        assert response.status_code == 403


def test_idempotency_key_replays_the_first_result_and_refuses_another_body(client):
    world = client.world
    headers = client.as_(world.referrer, **{"Idempotency-Key": "abc-123"})
    first = client.post("/api/v1/referrals", json=intake(), headers=headers)
    again = client.post("/api/v1/referrals", json=intake(), headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json == first.json and again.headers["ETag"] == first.headers["ETag"]
    other = client.post("/api/v1/referrals", json=intake(urgency="urgent"), headers=headers)
    assert other.status_code == 422
    assert other.json["code"] == "idempotency_key_reused"
    # Keys are per member: a colleague's same key is a new submission.
    colleague = client.post("/api/v1/referrals", json=intake(),
                            headers=client.as_(world.colleague, **{"Idempotency-Key": "abc-123"}))
    assert colleague.status_code == 201 and colleague.json["id"] != first.json["id"]
    with client.sessions() as session:
        assert len(session.execute(select(referrals.c.id)).all()) == 2
    assert len(outbox_rows(client)) == 2


def test_routing_uses_local_tables_only(client, monkeypatch):
    """The registry is never called: no URL of it is even configured for routing."""
    import urllib.request

    def refuse(*_a, **_k):
        raise AssertionError("routing must not call the network")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    assert submit(client)["status"] == "requested"


def test_the_database_away_is_a_503_to_retry_never_a_500(redis_url, tmp_path, world):
    issuer = TokenFactory()
    with serve_jwks(issuer) as jwks_url:
        away = f"postgresql+psycopg://root@127.0.0.1:{free_port()}/relais"
        app = create_app({"TESTING": True}, settings_for(away, redis_url, jwks_url, tmp_path))
        member = world.referrer
        token = issuer.issue(sub=member.id, org=member.organisation_id, roles=member.roles)
        answer = app.test_client().post("/api/v1/referrals", json=intake(),
                                        headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 503, answer.json
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.headers["Retry-After"] == "2"
    assert answer.json["code"] == "service_unavailable"
