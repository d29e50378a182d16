"""The command line every service has: `python -m services.<name> <command>`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from shared.db import make_engine, make_session_factory
from shared.logging import configure_logging
from shared.messaging.cli import dead_letters_command
from shared.messaging.worker import heartbeat_is_fresh
from shared.migrations import upgrade
from shared.settings import ServiceSettings, SettingsError


def service_cli(
    name: str,
    *,
    load: Callable[[], ServiceSettings],
    migrations_dir: Path,
    run_worker: Callable[[ServiceSettings], None],
) -> click.Group:
    """Build the service's click group: migrate, worker, worker-health, dead-letters."""

    def settings() -> ServiceSettings:
        try:
            return load()
        except SettingsError as exc:
            raise click.ClickException(f"configuration error: {exc}") from None

    @click.group(name=name)
    def cli():
        """Relais service commands."""

    @cli.command()
    def migrate():
        """Apply the database migrations (idempotent)."""
        current = settings()
        configure_logging(name, current.log_level, current.log_json)
        upgrade(migrations_dir, current.database_url)
        click.echo(f"{name}: database at head")

    @cli.command()
    def worker():
        """Run the consumer, retry loop and outbox relay until SIGTERM."""
        current = settings()
        configure_logging(name, current.log_level, current.log_json)
        run_worker(current)

    @cli.command("worker-health")
    @click.option("--max-age", default=30.0, show_default=True)
    def worker_health(max_age):
        """Exit 0 when the worker's heartbeat is fresh (container healthcheck)."""
        sys.exit(0 if heartbeat_is_fresh(settings().worker_heartbeat_file, max_age) else 1)

    def sessions():
        return make_session_factory(make_engine(settings().database_url))

    @cli.command("outbox-status")
    def outbox_status():
        """How many events wait in the outbox (a growing number: is the worker running?)."""
        from shared.messaging.relay import OutboxRelay

        relay = OutboxRelay(session_factory=sessions(), connection_factory=lambda: None,
                            topology=None)
        click.echo(f"{name}: {relay.pending_count()} event(s) waiting to be published")

    cli.add_command(dead_letters_command(sessions))
    return cli
