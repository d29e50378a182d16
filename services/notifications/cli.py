"""`python -m services.notifications <command>`: the shared commands, plus `deliveries`."""

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import click

from services.notifications import worker
from services.notifications.settings import load
from services.notifications.store import deliveries as store
from shared.db import make_engine, make_session_factory
from shared.service import service_cli

cli = service_cli("notifications", load=load, migrations_dir=Path(__file__).parent / "migrations",
                  run_worker=worker.run)


def _sessions():
    return make_session_factory(make_engine(load().database_url))


@cli.group()
def deliveries():
    """List deliveries (dead and uncertain by default) and replay them."""


@deliveries.command("list")
@click.option("--status", "statuses", multiple=True, default=store.REPLAYABLE,
              show_default=True, type=click.Choice(store.STATUSES),
              help="Repeatable. By default what waits for a person: dead and uncertain "
                   "(interrupted mid-send, may have arrived).")
@click.option("--channel", type=click.Choice(("in_app", "email", "webhook")))
@click.option("--event-id", type=click.UUID)
@click.option("--limit", default=200, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def list_(statuses, channel, event_id, limit, as_json):
    with _sessions()() as session:
        rows = store.page(session, limit=limit, status=list(statuses), channel=channel,
                          event_id=event_id)
    for row in rows:
        record = {k: v for k, v in row._mapping.items() if k != "summary"}
        if as_json:
            click.echo(json.dumps(record, default=str))
        else:
            click.echo(f"{row.id}\t{row.channel}\t{row.status}\t{row.event_type}\t"
                       f"attempts={row.attempts}\t{row.last_error or ''}")
    if not as_json:
        click.echo(f"{len(rows)} deliver{'y' if len(rows) == 1 else 'ies'}")


@deliveries.command("replay")
@click.argument("ids", nargs=-1, type=click.UUID)
@click.option("--all", "replay_all", is_flag=True,
              help="Replay every delivery in the --status given (dead by default).")
@click.option("--status", "statuses", multiple=True, default=(store.DEAD,), show_default=True,
              type=click.Choice(store.REPLAYABLE),
              help="With --all; `uncertain` ones may have arrived: their recipients may get "
                   "them twice.")
def replay(ids, replay_all, statuses):
    """Put dead or uncertain deliveries back to pending, due now, attempts reset."""
    if not ids and not replay_all:
        raise click.UsageError("give delivery ids or --all")
    now = datetime.now(UTC)
    with _sessions().begin() as session:
        if replay_all:
            ids = [row.id for row in store.page(session, limit=100_000, status=list(statuses))]
        replayed = [i for i in ids if store.replay(session, uuid.UUID(str(i)), now)]
    missing = sorted(str(i) for i in set(ids) - set(replayed))
    click.echo(f"replayed {len(replayed)}" + (
        f"; not found or not dead or uncertain: {', '.join(missing)}" if missing else ""))
