"""The whole loop over real HTTP: sign in, then call an authenticated endpoint with the
token, verified against the registry's own JWKS fetched by the verifier over a socket."""

import threading

import pytest
import requests
from werkzeug.serving import make_server

from services.registry.app import create_app
from services.registry.settings import RegistrySettings
from services.registry.store.accounts import create_admin
from services.registry.store.keys import KeyStore
from shared.migrations import upgrade
from tests.integration.registry_directory.conftest import MIGRATIONS

pytestmark = pytest.mark.integration


@pytest.fixture
def served_registry(postgres_url, redis_url, tmp_path):
    upgrade(MIGRATIONS, postgres_url)
    holder = {}
    # The server exists before the app so the app can be told its own JWKS address.
    server = make_server("127.0.0.1", 0, lambda env, start: holder["app"](env, start),
                         threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    settings = RegistrySettings(database_url=postgres_url, redis_url=redis_url,
                                jwks_url=f"{base}/.well-known/jwks.json",
                                signing_key_dir=str(tmp_path / "keys"), log_json=False)
    holder["app"] = app = create_app({"TESTING": True}, settings)
    with app.extensions["relais.sessions"].begin() as session:
        create_admin(session, email="root@example.org", name="Root",
                     password="a long admin passphrase")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base, KeyStore(tmp_path / "keys")
    server.shutdown()
    thread.join(timeout=5)
    app.extensions["relais.engine"].dispose()


def test_sign_in_then_use_the_token_verified_through_the_jwks(served_registry):
    base, keys = served_registry
    tokens = requests.post(f"{base}/api/v1/auth/token", timeout=5, json={
        "email": "root@example.org", "password": "a long admin passphrase"}).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    created = requests.post(f"{base}/api/v1/organisations", headers=headers, timeout=5,
                            json={"name": "CCAS de Gennevilliers", "kind": "ccas",
                                  "communes": ["92036"]})
    assert created.status_code == 201, created.text
    forged = tokens["access_token"][:-4] + "AAAA"
    assert requests.get(f"{base}/api/v1/members", timeout=5,
                        headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    # Rotation: a second key is published beside the first, whose tokens stay valid.
    keys.add_key()
    assert len(requests.get(f"{base}/.well-known/jwks.json", timeout=5).json()["keys"]) == 2
    assert requests.get(f"{base}/api/v1/members", headers=headers, timeout=5).status_code == 200
