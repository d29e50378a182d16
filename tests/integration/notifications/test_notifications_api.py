"""The notifications API on real PostgreSQL: every endpoint's roles, ownership, 422s."""

import uuid

import pytest

from services.notifications.app import create_app
from services.notifications.domain.signing import verify
from services.notifications.settings import NotificationsSettings
from services.notifications.store import deliveries as store
from shared.migrations import upgrade
from shared.settings import load_settings
from shared.testing.tokens import TokenFactory, serve_jwks
from tests.integration.notifications.conftest import MIGRATIONS
from tests.integration.notifications.helpers import deliveries_of, inbox_of

pytestmark = pytest.mark.integration
ANY = "6d6bc68f-4881-4159-b0f3-317b52ed8009"


@pytest.fixture
def api(rig, people):
    issuer = TokenFactory()
    with serve_jwks(issuer) as jwks_url:
        settings = rig.settings.__class__(**{**rig.settings.__dict__, "jwks_url": jwks_url})
        app = create_app({"TESTING": True}, settings)
        app.extensions["relais.clock"] = rig.clock
        client = app.test_client()

        def as_(member=None, *roles, org=None):
            token = issuer.issue(sub=str(member or uuid.uuid4()), org=str(org) if org else None,
                                 roles=roles or ("referrer",))
            return {"Authorization": f"Bearer {token}"}

        client.as_ = as_
        client.admin = as_(uuid.uuid4(), "admin")
        client.coordinator = as_(people.coordinator, "coordinator", org=people.ccas)
        yield client
        app.extensions["relais.engine"].dispose()


@pytest.fixture(scope="module")
def bare_api(postgres_databases, redis_url):
    """One app for the role checks, which never reach the database's content."""
    url = postgres_databases.create("notifroles")
    upgrade(MIGRATIONS, url)
    issuer = TokenFactory()
    with serve_jwks(issuer) as jwks_url:
        settings = load_settings(NotificationsSettings, {}, database_url=url, jwks_url=jwks_url,
                                 redis_url=redis_url, log_json=False)
        app = create_app({"TESTING": True}, settings)
        client = app.test_client()
        client.as_ = lambda *roles: {"Authorization": "Bearer " + issuer.issue(
            sub=str(uuid.uuid4()), roles=roles)}
        yield client
        app.extensions["relais.engine"].dispose()


ENDPOINTS = [
    ("get", "/api/v1/inbox"), ("get", "/api/v1/inbox/unread-count"),
    ("post", f"/api/v1/inbox/{ANY}/read"), ("post", "/api/v1/inbox/read-all"),
    ("get", "/api/v1/preferences"), ("put", "/api/v1/preferences"),
    ("get", f"/api/v1/preferences/organisations/{ANY}"),
    ("put", f"/api/v1/preferences/organisations/{ANY}"),
    ("get", "/api/v1/webhooks"), ("post", "/api/v1/webhooks"),
    ("get", f"/api/v1/webhooks/{ANY}"), ("patch", f"/api/v1/webhooks/{ANY}"),
    ("delete", f"/api/v1/webhooks/{ANY}"), ("post", f"/api/v1/webhooks/{ANY}/rotate-secret"),
    ("get", "/api/v1/deliveries"), ("get", f"/api/v1/deliveries/{ANY}"),
    ("post", f"/api/v1/deliveries/{ANY}/replay"),
]


@pytest.mark.parametrize("method,path", ENDPOINTS)
def test_every_endpoint_needs_a_token(bare_api, method, path):
    response = getattr(bare_api, method)(path, json={})
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"


@pytest.mark.parametrize("method,path", [e for e in ENDPOINTS if "deliveries" in e[1]])
@pytest.mark.parametrize("roles", [("referrer",), ("handler",), ("coordinator",)])
def test_only_an_admin_reads_the_delivery_log_and_replays(bare_api, method, path, roles):
    response = getattr(bare_api, method)(path, headers=bare_api.as_(*roles))
    assert (response.status_code, response.json["code"]) == (403, "forbidden")


@pytest.mark.parametrize("method,path", [e for e in ENDPOINTS if "webhooks" in e[1]])
@pytest.mark.parametrize("roles", [("referrer",), ("handler",)])
def test_referrers_and_handlers_manage_no_webhooks(bare_api, method, path, roles):
    response = getattr(bare_api, method)(path, json={}, headers=bare_api.as_(*roles))
    assert response.status_code == 403


def test_a_member_sees_and_marks_only_their_own_inbox(api, rig, people):
    for _ in range(3):
        rig.receive("referrals.referral.submitted", people.referral())
    rig.receive("referrals.referral.accepted", people.referral(status="accepted"))
    mine = api.as_(people.handler, "handler", org=people.ccas)
    theirs = api.as_(people.referrer, "referrer", org=people.cpts)
    assert api.get("/api/v1/inbox/unread-count", headers=mine).json == {"unread": 3}
    seen, cursor = [], None
    while True:
        page = api.get("/api/v1/inbox?limit=2" + (f"&after={cursor}" if cursor else ""),
                       headers=mine).json
        seen += page["items"]
        if not (cursor := page["next"]):
            break
    assert len(seen) == 3 and len({i["id"] for i in seen}) == 3
    assert [i["id"] for i in seen] == sorted((i["id"] for i in seen), reverse=True), "newest first"
    assert seen[0]["title"].startswith("Nouveau signalement SIG-")
    assert seen[0]["link"].startswith("https://relais.example.org/signalements/")

    other = inbox_of(rig, people.referrer)[0].id
    refused = api.post(f"/api/v1/inbox/{other}/read", headers=mine)
    assert (refused.status_code, refused.json["code"]) == (404, "not_found")
    assert inbox_of(rig, people.referrer)[0].read_at is None
    read = api.post(f"/api/v1/inbox/{seen[0]['id']}/read", headers=mine)
    assert read.status_code == 200 and read.json["read_at"]
    assert api.get("/api/v1/inbox?unread=true", headers=mine).json["items"].__len__() == 2
    assert api.post("/api/v1/inbox/read-all", headers=mine).json == {"marked": 2}
    assert api.get("/api/v1/inbox/unread-count", headers=mine).json == {"unread": 0}
    assert api.get("/api/v1/inbox/unread-count", headers=theirs).json == {"unread": 1}
    assert api.get("/api/v1/inbox", headers=api.as_("not-a-member")).status_code == 403


def test_preferences_are_set_and_critical_ones_refused_naming_the_field(api, people):
    mine = api.as_(people.handler, "handler", org=people.ccas)
    body = {"event_type": "referrals.referral.reminded", "channel": "email", "mode": "digest"}
    assert api.put("/api/v1/preferences", json=body, headers=mine).status_code == 200
    items = api.get("/api/v1/preferences", headers=mine).json["items"]
    by_key = {(i["event_type"], i["channel"]): i for i in items}
    assert by_key[("referrals.referral.reminded", "email")]["source"] == "member"
    urgent = by_key[("referrals.referral.submitted.urgent", "email")]
    assert (urgent["mode"], urgent["locked"]) == ("immediately", True)
    refused = api.put("/api/v1/preferences", headers=mine, json={
        "event_type": "referrals.referral.submitted.urgent", "channel": "email", "mode": "off"})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json["errors"]] == ["mode"]


@pytest.mark.parametrize("body,fields", [
    ({"event_type": "referrals.referral.eaten", "channel": "email", "mode": "off"},
     {"event_type"}),
    ({"event_type": "referrals.referral.accepted", "channel": "sms", "mode": "loud"},
     {"channel", "mode"}),
    ({"event_type": "referrals.referral.accepted", "channel": "in_app", "mode": "digest"},
     {"mode"}),
    ({"channel": "email", "mode": "off", "colour": "red"}, {"event_type", "colour"}),
])
def test_bad_preferences_are_422_naming_each_field(api, body, fields):
    response = api.put("/api/v1/preferences", json=body, headers=api.as_())
    assert response.status_code == 422
    assert {e["field"] for e in response.json["errors"]} == fields


def test_organisation_defaults_are_for_an_admin_or_its_coordinator(api, rig, people):
    path = f"/api/v1/preferences/organisations/{people.ccas}"
    body = {"event_type": "referrals.referral.reminded", "channel": "email", "mode": "off"}
    assert api.put(path, json=body, headers=api.coordinator).status_code == 200
    assert api.get(path, headers=api.admin).status_code == 200
    outsider = api.as_(uuid.uuid4(), "coordinator", org=people.cpts)
    assert api.put(path, json=body, headers=outsider).status_code == 403
    handler = api.as_(people.handler2, "handler", org=people.ccas)
    assert api.get(path, headers=handler).status_code == 403
    rig.receive("referrals.referral.reminded", people.referral())
    assert deliveries_of(rig, channel="email") == [], "the organisation's default applied"


def test_webhook_subscriptions_rotation_signs_with_both_secrets(api, rig, people, receiver):
    receiver.start()
    body = {"organisation_id": str(people.ccas), "url": receiver.url,
            "event_types": ["referrals.referral.submitted"]}
    outsider = api.as_(uuid.uuid4(), "coordinator", org=people.cpts)
    assert api.post("/api/v1/webhooks", json=body, headers=outsider).status_code == 403
    created = api.post("/api/v1/webhooks", json=body, headers=api.coordinator)
    assert created.status_code == 201, created.json
    hook, old_secret = created.json["id"], created.json["secret"]
    assert api.get(f"/api/v1/webhooks/{hook}", headers=outsider).status_code == 404
    listed = api.get("/api/v1/webhooks", headers=api.coordinator).json["items"]
    assert [h["id"] for h in listed] == [hook] and "secret" not in listed[0]
    assert api.get("/api/v1/webhooks", headers=outsider).json["items"] == []

    rotated = api.post(f"/api/v1/webhooks/{hook}/rotate-secret", headers=api.coordinator).json
    rig.receive("referrals.referral.submitted", people.referral())
    rig.drain()
    [request] = receiver.requests
    header, ts = request["headers"]["X-Relais-Signature"], int(
        request["headers"]["X-Relais-Timestamp"])
    assert verify(header, rotated["secret"], ts, request["body"])
    assert verify(header, old_secret, ts, request["body"]), "the old one during the grace period"
    rig.clock.advance(hours=25)
    rig.receive("referrals.referral.submitted", people.referral())
    rig.drain()
    late = receiver.requests[1]
    assert late["headers"]["X-Relais-Signature"].count("sha256=") == 1

    paused = api.patch(f"/api/v1/webhooks/{hook}", json={"active": False},
                       headers=api.coordinator)
    assert paused.json["active"] is False
    assert api.delete(f"/api/v1/webhooks/{hook}", headers=api.admin).status_code == 204
    assert api.get(f"/api/v1/webhooks/{hook}", headers=api.admin).status_code == 404


@pytest.mark.parametrize("body,fields", [
    ({"organisation_id": ANY, "url": "ftp://x.example.org", "event_types": ["x.y.z"]},
     {"url", "event_types.0"}),
    ({"organisation_id": "nope", "url": "https://x.example.org", "event_types": []},
     {"organisation_id", "event_types"}),
    ({"url": "https://x.example.org", "event_types": ["referrals.referral.submitted"],
      "secret": "mine"}, {"organisation_id", "secret"}),
])
def test_bad_subscriptions_are_422_naming_each_field(api, body, fields):
    response = api.post("/api/v1/webhooks", json=body, headers=api.admin)
    assert response.status_code == 422
    assert {e["field"] for e in response.json["errors"]} == fields


def test_the_delivery_log_filters_pages_and_replays_the_dead(api, rig, people):
    event, _ = rig.receive("referrals.referral.submitted", people.referral())
    rig.receive("referrals.referral.accepted", people.referral(status="accepted"))
    by_event = api.get(f"/api/v1/deliveries?event_id={event['id']}", headers=api.admin).json
    assert len(by_event["items"]) == 4
    emails = api.get(f"/api/v1/deliveries?channel=email&recipient_member_id={people.referrer}",
                     headers=api.admin).json["items"]
    assert [(d["channel"], d["status"]) for d in emails] == [("email", "pending")]
    seen, cursor = [], None
    while True:
        page = api.get("/api/v1/deliveries?limit=4" + (f"&after={cursor}" if cursor else ""),
                       headers=api.admin).json
        seen += page["items"]
        if not (cursor := page["next"]):
            break
    assert len(seen) == 6 and len({d["id"] for d in seen}) == 6
    bad = api.get("/api/v1/deliveries?status=lost&limit=500", headers=api.admin)
    assert {e["field"] for e in bad.json["errors"]} == {"status.0", "limit"}  # repeatable

    refused = api.post(f"/api/v1/deliveries/{emails[0]['id']}/replay", headers=api.admin)
    assert (refused.status_code, refused.json["code"]) == (409, "conflict")
    with rig.sessions.begin() as session:
        from services.notifications.store.tables import deliveries
        session.execute(deliveries.update().where(deliveries.c.id == uuid.UUID(emails[0]["id"]))
                        .values(status="dead", attempts=4))
    dead = api.get("/api/v1/deliveries?status=dead", headers=api.admin).json["items"]
    assert [d["id"] for d in dead] == [emails[0]["id"]]
    replayed = api.post(f"/api/v1/deliveries/{emails[0]['id']}/replay", headers=api.admin)
    assert (replayed.json["status"], replayed.json["attempts"]) == ("pending", 0)


def test_uncertain_deliveries_are_listed_with_the_dead_and_replayed_by_an_admin(api, rig,
                                                                                people):
    rig.receive("referrals.referral.submitted", people.referral())  # two e-mails
    with rig.sessions.begin() as session:
        first, second = store.claim_due(session, now=rig.clock(), lease_seconds=60, limit=2)
    with rig.sessions.begin() as session:  # one is killed mid-send, the other refused
        assert store.mark_sending(session, first, now=rig.clock(), lease_seconds=60)
        store.finish(session, second, error="smtp 550", permanent=True, now=rig.clock(),
                     policy=rig.dispatcher.policy)
    rig.clock.advance(seconds=61)
    rig.dispatch()
    waiting = api.get("/api/v1/deliveries?status=dead&status=uncertain",
                      headers=api.admin).json["items"]
    assert sorted((d["id"], d["status"]) for d in waiting) == sorted(
        [(str(first.id), "uncertain"), (str(second.id), "dead")])
    [uncertain] = api.get("/api/v1/deliveries?status=uncertain", headers=api.admin).json["items"]
    assert uncertain["last_error"] == "interrupted while sending; may have been delivered"
    assert uncertain["attempts"] == 1 and uncertain["attempted_at"]
    replayed = api.post(f"/api/v1/deliveries/{first.id}/replay", headers=api.admin)
    assert replayed.status_code == 200
    assert (replayed.json["status"], replayed.json["attempts"]) == ("pending", 0)
    again = api.post(f"/api/v1/deliveries/{first.id}/replay", headers=api.admin)
    assert (again.status_code, again.json["code"]) == (409, "conflict")
    text = api.get("/metrics").get_data(as_text=True)
    assert 'relais_notification_deliveries_total{channel="email",status="uncertain"}' in text
    assert api.post(f"/api/v1/deliveries/{ANY}/replay", headers=api.admin).status_code == 404


def test_metrics_count_deliveries_by_channel_and_status_only(api, rig, people):
    rig.receive("referrals.referral.accepted", people.referral(status="accepted"))
    text = api.get("/metrics").get_data(as_text=True)
    assert 'relais_notification_deliveries{channel="email",status="pending"} 1.0' in text
    assert 'relais_notification_deliveries_total{channel="in_app",status="sent"}' in text
    assert str(people.referrer) not in text and "example.org" not in text
