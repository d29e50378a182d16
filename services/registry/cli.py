"""`python -m services.registry <command>`."""

import time
from pathlib import Path

import click

from services.registry import demo, worker
from services.registry.commands import contracts, directory, plan
from services.registry.domain.tokens import access_token_claims
from services.registry.settings import load
from services.registry.store.keys import KeyStore
from shared.db import make_engine, make_session_factory
from shared.service import service_cli

cli = service_cli("registry", load=load, migrations_dir=Path(__file__).parent / "migrations",
                  run_worker=worker.run)


@cli.command("issue-token")
@click.option("--member", required=True, help="Member id (the token's subject).")
@click.option("--organisation", default=None, help="Organisation id.")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(["referrer", "handler", "coordinator", "admin"]))
@click.option("--ttl", type=int, default=None, help="Seconds (default: the access token TTL).")
def issue_token(member, organisation, roles, ttl):
    """Sign an access token from the command line (operators, scripts, demo)."""
    settings = load()
    claims = access_token_claims(
        member_id=member, organisation_id=organisation, roles=list(roles),
        issuer=settings.jwt_issuer, audience=settings.jwt_audience,
        ttl=ttl or settings.access_token_ttl, now=int(time.time()))
    click.echo(KeyStore(settings.signing_key_dir).sign(claims))


@cli.command("add-signing-key")
def add_signing_key():
    """Rotate: a new key signs from now on; older keys stay published until removed."""
    key = KeyStore(load().signing_key_dir).add_key()
    click.echo(f"new signing key {key.kid}")


@cli.command("load-demo")
def load_demo():
    """Load (or refresh) the demo data from the seeds: idempotent."""
    settings = load()
    engine = make_engine(settings.database_url)
    with make_session_factory(engine).begin() as session:
        for loader in demo.LOADERS:
            loader(session, settings)
    engine.dispose()
    click.echo("registry: demo data loaded")


for part in (directory, contracts, plan):
    part.register(cli)


@cli.command("republish-snapshot")
def republish_snapshot_command():
    """Publish the whole registry state again (consumers rebuild their read models)."""
    from services.registry.snapshot import republish_snapshot

    engine = make_engine(load().database_url)
    with make_session_factory(engine).begin() as session:
        count = republish_snapshot(session)
    engine.dispose()
    click.echo(f"registry: {count} event(s) written to the outbox; the worker publishes them")
