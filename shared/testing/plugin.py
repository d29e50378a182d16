"""pytest plugin loaded by the whole suite (`-p shared.testing.plugin`).

Fixtures give each test run its own PostgreSQL databases and its own Redis key
prefix, created and removed by the run, and fail with a clear message when a
server is unreachable.
"""

from __future__ import annotations

import uuid

import pytest

from shared.testing.servers import (
    REDIS_URL,
    PostgresDatabases,
    PrivateRedis,
    ServerUnavailable,
    check_redis,
    delete_prefixed_keys,
)


@pytest.fixture(scope="session")
def postgres_databases():
    try:
        databases = PostgresDatabases()
    except ServerUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    yield databases
    databases.drop_all()


@pytest.fixture
def postgres_url(postgres_databases, request) -> str:
    """A fresh, empty PostgreSQL database for this test (dropped at the end of the run)."""
    label = "".join(c for c in request.node.name.lower() if c.isalnum())[:20]
    return postgres_databases.create(label)


@pytest.fixture(scope="session")
def redis_url() -> str:
    try:
        check_redis(REDIS_URL)
    except ServerUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    return REDIS_URL


@pytest.fixture
def broker_prefix(redis_url):
    """A Redis key prefix of this test's own; its keys are deleted afterwards."""
    prefix = f"relais-test-{uuid.uuid4().hex[:10]}:"
    yield prefix
    delete_prefixed_keys(redis_url, prefix)


@pytest.fixture
def private_redis():
    """A redis-server of this test's own (AOF on) that the test may stop and restart."""
    server = PrivateRedis()
    try:
        server.start()
    except ServerUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.cleanup()


@pytest.fixture(params=["postgresql", "sqlite"])
def any_database_url(request, tmp_path):
    """The test runs twice: on a fresh PostgreSQL database and on a SQLite file."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/test.db"
    return request.getfixturevalue("postgres_url")
