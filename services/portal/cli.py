"""`python -m services.portal <command>`: the portal has no database, so no migrations."""

from __future__ import annotations

import click

from services.portal.settings import load, secret_key
from shared.settings import SettingsError, describe


@click.group(name="portal")
def cli():
    """Relais portal commands."""


@cli.command("check-config")
def check_config():
    """Load the settings (creating the local secret key if needed) and print them, masked."""
    try:
        settings = load()
        secret_key(settings)
    except SettingsError as exc:
        raise click.ClickException(f"configuration error: {exc}") from None
    for name, value in describe(settings).items():
        click.echo(f"{name}={value}")
