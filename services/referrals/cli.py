"""`python -m services.referrals <command>`: the common ones (migrate, worker, dead-letters)
plus rotate-encryption, anonymise, export-person and rebuild-read-models."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click

from services.referrals import worker
from services.referrals.commands import retention
from services.referrals.domain.identity import Identity
from services.referrals.settings import load
from services.referrals.store import read_models
from services.referrals.store.keys import protection_from
from shared.db import make_engine, make_session_factory
from shared.logging import configure_logging
from shared.service import service_cli

cli = service_cli("referrals", load=load, migrations_dir=Path(__file__).parent / "migrations",
                  run_worker=worker.run)


def _context():
    settings = load()
    configure_logging("referrals", settings.log_level, settings.log_json)
    engine = make_engine(settings.database_url)
    return settings, engine, make_session_factory(engine)


@cli.command("rotate-encryption")
def rotate_encryption():
    """Re-encrypt every personal value with the newest key (first of RELAIS_ENCRYPTION_KEYS);
    afterwards the older keys can be removed."""
    settings, engine, sessions = _context()
    with sessions.begin() as session:
        count = retention.rotate(session, protection_from(settings).cipher)
    engine.dispose()
    click.echo(f"re-encrypted {count} values")


@cli.command()
@click.option("--dry-run", is_flag=True, help="Count what would be anonymised, change nothing.")
def anonymise(dry_run):
    """Anonymise people whose referrals all closed more than RELAIS_RETENTION_DAYS ago."""
    settings, engine, sessions = _context()
    with sessions.begin() as session:
        counts = retention.anonymise(session, datetime.now(UTC), settings.retention_days,
                                     dry_run=dry_run)
    engine.dispose()
    click.echo(json.dumps(counts))


@cli.command("export-person")
@click.option("--first-name", required=True)
@click.option("--last-name", required=True)
@click.option("--birth-date", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--commune", required=True, help="INSEE code")
@click.option("--operator", required=True, help="Who answers the request (for the audit).")
def export_person(first_name, last_name, birth_date, commune, operator):
    """Print one person's full record (JSON) for an access request; audited."""
    settings, engine, sessions = _context()
    protection = protection_from(settings)
    identity = Identity(first_name, last_name, birth_date.date(), commune)
    with sessions.begin() as session:
        record = retention.person_record(session, identity, protection.blind_index,
                                         protection.cipher, datetime.now(UTC),
                                         requested_by=f"cli:{operator}")
    engine.dispose()
    click.echo(json.dumps(record, default=str, ensure_ascii=False, indent=2))


@cli.command("rebuild-read-models")
@click.argument("snapshot", type=click.File("r"))
@click.option("--reset", is_flag=True, help="Empty the read models first.")
def rebuild_read_models(snapshot, reset):
    """Replay a registry snapshot (JSON lines of event envelopes) into the read models."""
    _settings, engine, sessions = _context()
    envelopes = (json.loads(line) for line in snapshot if line.strip())
    with sessions.begin() as session:
        applied = read_models.replay(session, envelopes, reset=reset)
    engine.dispose()
    click.echo(f"applied {applied} events")
