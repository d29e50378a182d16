"""The demo system of the end-to-end scenarios, started once for the session (~20 s)
when a scenario asks for it."""

from __future__ import annotations

import uuid

import pytest

from shared.testing.servers import delete_prefixed_keys
from tests.e2e.stack import SERVICES
from tests.e2e.system import DemoSystem


@pytest.fixture(scope="session")
def demo_system(postgres_databases, redis_url, tmp_path_factory):
    prefix = f"relais-test-{uuid.uuid4().hex[:10]}:"
    urls = {name: postgres_databases.create(f"demo{name}") for name in SERVICES}
    system = DemoSystem(database_urls=urls, redis_url=redis_url, prefix=prefix,
                        tmp_path=tmp_path_factory.mktemp("demo-system"))
    try:
        yield system.start()
    except Exception:
        print(system.logs())
        raise
    finally:
        system.stop()
        delete_prefixed_keys(redis_url, prefix)
