"""/readyz answers 503 while Redis or the database is away, 200 once they are back."""

import pytest

from services.referrals.app import create_app
from services.referrals.settings import ReferralsSettings
from shared.migrations import upgrade
from shared.settings import load_settings

pytestmark = pytest.mark.integration


def test_readyz_follows_redis_and_the_database(postgres_url, private_redis, tmp_path):
    from pathlib import Path
    upgrade(Path("services/referrals/migrations"), postgres_url)
    settings = load_settings(ReferralsSettings, {}, database_url=postgres_url,
                             redis_url=private_redis.url, log_json=False)
    app = create_app({"TESTING": True}, settings)
    client = app.test_client()
    assert client.get("/readyz").json["checks"] == {"database": "ok", "redis": "ok"}

    private_redis.stop()
    down = client.get("/readyz")
    assert down.status_code == 503
    assert down.content_type == "application/problem+json"
    assert down.json["checks"]["redis"] == "down"
    assert client.get("/healthz").status_code == 200, "alive even when a dependency is not"

    private_redis.start()
    assert client.get("/readyz").status_code == 200
    app.extensions["relais.engine"].dispose()

    broken = load_settings(ReferralsSettings, {}, redis_url=private_redis.url, log_json=False,
                           database_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = create_app({"TESTING": True}, broken).test_client().get("/readyz")
    assert response.status_code == 503 and response.json["checks"]["database"] == "down"
