"""Commands of the registry's directory part: `create-admin`."""

from __future__ import annotations

import sys
import uuid

import click

from services.registry.domain.members import InvalidMember
from services.registry.domain.organisations import InvalidOrganisation
from services.registry.domain.passwords import WeakPassword
from services.registry.settings import load
from services.registry.store.accounts import AccountRefused, create_admin
from shared.db import make_engine, make_session_factory


def register(cli) -> None:
    """Add this part's commands to the registry's click group."""
    cli.add_command(create_admin_command)


@click.command("create-admin")
@click.option("--email", required=True, help="The admin's work e-mail (sign-in name).")
@click.option("--name", required=True, help="Display name.")
@click.option("--organisation", "organisation_id", type=click.UUID, default=None,
              help="Existing organisation id (default: an 'Administration Relais' one).")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input.")
def create_admin_command(email, name, organisation_id: uuid.UUID | None, password_stdin):
    """Create an admin account (the first one, typically); refuses an existing e-mail."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    engine = make_engine(load().database_url)
    try:
        with make_session_factory(engine).begin() as session:
            member = create_admin(session, email=email, name=name, password=password,
                                  organisation_id=organisation_id)
    except AccountRefused as exc:
        raise click.ClickException(str(exc)) from None
    except (WeakPassword, InvalidMember, InvalidOrganisation) as exc:
        raise click.ClickException(f"refused: {exc}") from None
    finally:
        engine.dispose()
    click.echo(f"admin {member.email} created (member {member.id}, "
               f"organisation {member.organisation_id})")
