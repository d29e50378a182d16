"""The in-process world of the security suite, built once per session (~10 s)."""

from __future__ import annotations

import pytest

from tests.security.world import World


@pytest.fixture(scope="session")
def world(postgres_databases, redis_url, tmp_path_factory):
    built = World(postgres_databases, redis_url, tmp_path_factory.mktemp("security"))
    try:
        yield built.build()
    finally:
        built.close()
