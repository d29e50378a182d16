"""The three services as real processes: an event published by one is consumed by another."""

import pytest
import requests

from shared.testing.servers import wait_until
from tests.e2e.stack import SERVICES, LocalStack

pytestmark = pytest.mark.e2e


@pytest.fixture
def stack(postgres_databases, redis_url, broker_prefix, tmp_path):
    urls = {name: postgres_databases.create(name) for name in SERVICES}
    stack = LocalStack(database_urls=urls, redis_url=redis_url, prefix=broker_prefix,
                       tmp_path=tmp_path)
    try:
        yield stack.start()
    finally:
        stack.stop()


def test_an_organisation_registered_reaches_the_referrals_read_model(stack):
    admin = stack.token("admin")
    for name in SERVICES:
        assert requests.get(f"{stack.urls[name]}/readyz", timeout=5).status_code == 200
        assert "http_requests_total" in requests.get(f"{stack.urls[name]}/metrics", timeout=5).text

    created = requests.post(f"{stack.urls['registry']}/api/v1/organisations", headers=admin,
                            json={"name": "CCAS de La Possession", "kind": "ccas"}, timeout=5)
    assert created.status_code == 201, created.text
    org_id = created.json()["id"]

    def referrals_know_it():
        page = requests.get(f"{stack.urls['referrals']}/api/v1/directory/organisations",
                            headers=stack.token("handler"), timeout=5).json()
        return [o for o in page["items"] if o["id"] == org_id]

    (known,) = wait_until(referrals_know_it, timeout=30, interval=0.2,
                          message="the referrals read model")
    assert known["name"] == "CCAS de La Possession"

    requests.patch(f"{stack.urls['registry']}/api/v1/organisations/{org_id}", headers=admin,
                   json={"name": "CCAS de la ville de La Possession"}, timeout=5)
    wait_until(lambda: referrals_know_it()[0]["version"] == 2, timeout=30, interval=0.2,
               message="the update")


def test_workers_stop_cleanly_on_sigterm(stack):
    workers = [p for p in stack.processes if p.name.endswith("-worker")]
    for worker in workers:
        assert worker.terminate(timeout=20) == 0, worker.output()[-2000:]
        assert "worker.stopped" in worker.output()
