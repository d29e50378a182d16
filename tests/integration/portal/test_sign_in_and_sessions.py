"""Sign-in, server-side sessions in Redis, CSRF, headers, sign-out and expiry."""

import pytest
import redis

from services.portal.app import create_app
from tests.integration.portal.conftest import PortalClient, portal_settings

pytestmark = pytest.mark.integration


def session_keys(redis_url, prefix):
    return list(redis.Redis.from_url(redis_url).scan_iter(match=f"{prefix}session:*"))


def test_the_sign_in_page_is_french_and_protected(portal):
    page = portal.get("/connexion")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="fr">' in html and "Se connecter" in html
    assert 'name="csrf_token"' in html
    headers = page.headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers  # only when served over HTTPS
    assert headers["Cache-Control"] == "no-store"


def test_a_form_without_its_csrf_token_is_refused(portal):
    answer = portal.http.post("/connexion", data={"email": "medecin@example.org",
                                                  "password": "x"})
    assert answer.status_code == 400
    assert "Formulaire expiré" in answer.get_data(as_text=True)


def test_wrong_password_gets_a_french_message_and_no_session(portal, redis_url, broker_prefix):
    answer = portal.sign_in("medecin@example.org", "mauvais")
    assert answer.status_code == 401
    assert "Adresse électronique ou mot de passe incorrect" in answer.get_data(as_text=True)
    assert portal.get("/signalements").status_code == 302


def test_signing_in_keeps_the_tokens_server_side(portal, redis_url, broker_prefix, fake_apis):
    before = portal.http.get_cookie("relais_session")
    answer = portal.sign_in("medecin@example.org")
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    cookie = portal.http.get_cookie("relais_session")
    assert cookie.http_only and cookie.same_site == "Lax"
    assert before is None or cookie.value != before.value  # rotated at sign-in
    assert "." not in cookie.value and len(cookie.value) >= 40  # a random id, not a JWT
    stored = redis.Redis.from_url(redis_url).get(f"{broker_prefix}session:{cookie.value}")
    assert b"access_token" in stored and b"refresh_token" in stored
    ttl = redis.Redis.from_url(redis_url).ttl(f"{broker_prefix}session:{cookie.value}")
    assert 0 < ttl <= 30 * 60
    assert portal.get("/").headers["Location"] == "/signalements"


def test_the_secure_flag_follows_the_setting(fake_apis, redis_url, broker_prefix):
    app = create_app({"TESTING": True}, portal_settings(fake_apis.url, redis_url, broker_prefix,
                                                        cookie_secure=True))
    client = PortalClient(app)
    page = client.get("/connexion")
    assert client.http.get_cookie("relais_session").secure
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_sign_out_deletes_the_session_and_revokes(portal, redis_url, broker_prefix, fake_apis):
    portal.sign_in("medecin@example.org")
    assert len(fake_apis.refresh_tokens) == 1
    answer = portal.post("/deconnexion", form_page="/signalements")
    assert answer.status_code == 302 and answer.headers["Location"] == "/connexion"
    assert fake_apis.refresh_tokens == {}
    assert portal.get("/signalements").status_code == 302


def test_an_expired_session_sends_back_to_sign_in_with_a_message(portal, redis_url,
                                                                 broker_prefix):
    portal.sign_in("medecin@example.org")
    redis.Redis.from_url(redis_url).delete(*session_keys(redis_url, broker_prefix))
    answer = portal.get("/signalements")
    assert answer.status_code == 302 and answer.headers["Location"] == "/connexion"
    assert "Votre session a expiré" in portal.get("/connexion").get_data(as_text=True)


def test_a_session_older_than_the_maximum_age_is_over(fake_apis, redis_url, broker_prefix):
    app = create_app({"TESTING": True}, portal_settings(fake_apis.url, redis_url, broker_prefix))
    app.session_interface.max_age_seconds = -1
    client = PortalClient(app)
    client.sign_in("medecin@example.org")
    assert client.get("/signalements").status_code == 302


def test_roles_decide_the_navigation_and_the_pages(portal, another_portal):
    portal.sign_in("medecin@example.org")
    html = portal.get("/signalements").get_data(as_text=True)
    assert "Signaler un besoin" in html and "File de traitement" not in html
    assert portal.get("/ccas/file").status_code == 403
    assert portal.get("/cls").status_code == 403
    assert portal.get("/admin").status_code == 403
    another_portal.sign_in("agent@example.org")
    html = another_portal.get("/ccas/file").get_data(as_text=True)
    assert "File de traitement" in html and "Signaler un besoin" not in html
    assert another_portal.get("/signalements/nouveau").status_code == 403


def test_an_expiring_access_token_is_refreshed(portal, fake_apis, redis_url, broker_prefix):
    import json

    portal.sign_in("medecin@example.org")
    key = f"{broker_prefix}session:{portal.http.get_cookie('relais_session').value}"
    store = redis.Redis.from_url(redis_url)
    old = json.loads(store.get(key))
    store.set(key, json.dumps({**old, "access_expires_at": 0}))
    assert portal.get("/signalements").status_code == 200
    new = json.loads(store.get(key))
    assert new["access_token"] != old["access_token"]
    assert new["refresh_token"] != old["refresh_token"] and new["access_expires_at"] > 0


def test_redis_down_gives_a_french_503_page(fake_apis, broker_prefix):
    from shared.testing.servers import free_port

    app = create_app({"TESTING": True}, portal_settings(
        fake_apis.url, f"redis://127.0.0.1:{free_port()}/0", broker_prefix))
    client = app.test_client()
    client.set_cookie("relais_session", "x" * 43)
    answer = client.get("/connexion")
    assert answer.status_code == 503
    assert "Service momentanément indisponible" in answer.get_data(as_text=True)
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 503


def test_parallel_requests_refresh_once(portal_app, fake_apis, redis_url, broker_prefix):
    """A refresh token is single use: two pages loading at once must not both spend it."""
    import json
    from concurrent.futures import ThreadPoolExecutor

    import requests

    from tests.integration.portal.fakes import ServedApp

    client = PortalClient(portal_app)
    client.sign_in("medecin@example.org")
    sid = client.http.get_cookie("relais_session").value
    store = redis.Redis.from_url(redis_url)
    key = f"{broker_prefix}session:{sid}"
    data = json.loads(store.get(key))
    store.set(key, json.dumps({**data, "access_expires_at": 0}), ex=600)
    with ServedApp(portal_app) as served:
        def load(_):
            return requests.get(f"{served.url}/signalements", cookies={"relais_session": sid},
                                allow_redirects=False, timeout=10).status_code

        with ThreadPoolExecutor(4) as pool:
            assert list(pool.map(load, range(4))) == [200] * 4
    refreshes = [p for m, p, _h in fake_apis.requests if p == "/api/v1/auth/refresh"]
    assert len(refreshes) == 1
    assert json.loads(store.get(key))["access_expires_at"] > 0


def test_a_stale_request_never_writes_back_spent_tokens(redis_url, broker_prefix):
    from services.portal.sessions import RedisSession, RedisSessionInterface

    store = RedisSessionInterface(redis.Redis.from_url(redis_url), prefix=broker_prefix,
                                  idle_seconds=60, max_age_seconds=600)
    fresh = {"access_token": "new", "refresh_token": "r2", "access_expires_at": 2000}
    store.client.set(f"{broker_prefix}sid", __import__("json").dumps(fresh))
    stale = RedisSession({"access_token": "old", "refresh_token": "r1",
                          "access_expires_at": 1000, "_flashes": ["x"]}, sid="sid")
    merged = store._merged(stale)
    assert (merged["access_token"], merged["refresh_token"]) == ("new", "r2")
    assert merged["_flashes"] == ["x"]
