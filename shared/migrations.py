"""Alembic, driven the same way by every service.

Each service keeps its migrations in `services/<name>/migrations/`; its env.py
calls `run_migrations`, and its CLI calls `upgrade`.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData

from shared.db import make_engine


def alembic_config(migrations_dir: Path, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.attributes["database_url"] = database_url
    return config


def upgrade(migrations_dir: Path, database_url: str, revision: str = "heads") -> None:
    """Apply the service's migrations (idempotent). `heads`: every branch, so parts of a
    service can keep their own migration branch (see services/registry/migrations)."""
    command.upgrade(alembic_config(migrations_dir, database_url), revision)


def run_migrations(target_metadata: MetaData | list[MetaData]) -> None:
    """The body of a service's env.py (online mode only: we always have a database)."""
    url = context.config.attributes["database_url"]
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
