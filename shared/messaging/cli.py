"""Operator commands every service shares: dead letters and the outbox."""

from __future__ import annotations

import json
from collections.abc import Callable

import click
from sqlalchemy.orm import Session, sessionmaker

from shared.messaging.dead_letters import list_dead_letters, replay_dead_letter


def dead_letters_command(get_session_factory: Callable[[], sessionmaker[Session]]) -> click.Group:
    """A `dead-letters` click group bound to a service's database."""

    @click.group("dead-letters")
    def group():
        """List and replay events that could not be processed."""

    @group.command("list")
    @click.option("--consumer", help="Only this consumer's dead letters.")
    @click.option("--all", "include_replayed", is_flag=True, help="Include replayed ones.")
    @click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
    def list_(consumer, include_replayed, as_json):
        with get_session_factory()() as session:
            rows = list_dead_letters(session, consumer=consumer, include_replayed=include_replayed,
                                     limit=10_000)
        for row in rows:
            if as_json:
                click.echo(json.dumps(row, default=str))
            else:
                click.echo(f"{row['id']}\t{row['consumer']}\t{row['reason']}\t"
                           f"{row['event_type'] or '-'}\t{row['event_id'] or '-'}\t"
                           f"attempts={row['attempts']}\t{(row['error'] or '')[:120]}")
        if not as_json:
            click.echo(f"{len(rows)} dead letter(s)")

    @group.command("replay")
    @click.argument("ids", nargs=-1, type=int)
    @click.option("--all", "replay_all", is_flag=True, help="Replay every pending dead letter.")
    @click.option("--consumer", help="With --all: only this consumer's.")
    def replay(ids, replay_all, consumer):
        if not ids and not replay_all:
            raise click.UsageError("give dead letter ids or --all")
        with get_session_factory().begin() as session:
            if replay_all:
                pending = list_dead_letters(session, consumer=consumer, limit=100_000)
                ids = [row["id"] for row in pending]
            replayed = [i for i in ids if replay_dead_letter(session, i)]
        missing = sorted(set(ids) - set(replayed))
        click.echo(f"replayed {len(replayed)}" + (f"; not found or already replayed: {missing}"
                                                  if missing else ""))

    return group
