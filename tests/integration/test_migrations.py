"""Every service's migrations apply, re-apply and roll back on PostgreSQL and SQLite."""

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect

from shared.db import make_engine
from shared.migrations import alembic_config, upgrade

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("service", ["registry", "referrals", "notifications"])
def test_upgrade_is_idempotent_and_downgrade_leaves_nothing(any_database_url, service):
    migrations = Path(f"services/{service}/migrations")
    upgrade(migrations, any_database_url)
    upgrade(migrations, any_database_url)
    engine = make_engine(any_database_url)
    tables = set(inspect(engine).get_table_names())
    assert {"outbox", "processed_events", "event_retries", "dead_letters"} <= tables
    command.downgrade(alembic_config(migrations, any_database_url), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
