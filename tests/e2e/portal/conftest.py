"""Fixtures of the portal's end-to-end tests: the real stack, and a browser."""

from __future__ import annotations

import pytest

from tests.e2e.portal.stack import PortalStack
from tests.e2e.stack import SERVICES


@pytest.fixture(scope="module")
def portal_stack(postgres_databases, tmp_path_factory):
    """Started once per module: the services, the demo data and the portal (~20 s)."""
    import uuid

    from shared.testing.servers import REDIS_URL, check_redis, delete_prefixed_keys

    check_redis(REDIS_URL)
    prefix = f"relais-test-{uuid.uuid4().hex[:10]}:"
    urls = {name: postgres_databases.create(f"portal{name}") for name in SERVICES}
    stack = PortalStack(database_urls=urls, redis_url=REDIS_URL, prefix=prefix,
                        tmp_path=tmp_path_factory.mktemp("portal-stack"))
    try:
        yield stack.start()
    except Exception:
        print(stack.logs())
        raise
    finally:
        stack.stop()
        delete_prefixed_keys(REDIS_URL, prefix)
