"""Commands of the registry's contracts part: `contract-coverage`."""

from __future__ import annotations

import json
import uuid

import click

from services.registry.domain.routing import coverage
from services.registry.settings import load
from services.registry.store import contracts as contract_store
from services.registry.store import routing as routing_store
from services.registry.store.references import known_need_categories
from shared.db import make_engine, make_session_factory


def register(cli) -> None:
    """Add this part's commands to the registry's click group."""

    @cli.command("contract-coverage")
    @click.argument("contract_id", type=click.UUID)
    @click.option("--gaps-only", is_flag=True, help="Only the pairs left to the fallback.")
    @click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
    def contract_coverage(contract_id: uuid.UUID, gaps_only: bool, as_json: bool):
        """Where every (commune, need category) pair of a contract goes: check a
        contract before putting it in force (no pair may go nowhere)."""
        engine = make_engine(load().database_url)
        try:
            with make_session_factory(engine)() as session:
                contract = contract_store.get(session, contract_id)
                if contract is None:
                    raise click.ClickException(f"no contract {contract_id}")
                entries = coverage(routing_store.rules_of(session, contract_id),
                                   territory=contract.communes,
                                   fallback_organisation_id=contract.fallback_organisation_id,
                                   need_categories=known_need_categories(session,
                                                                         active_only=True))
        finally:
            engine.dispose()
        for entry in entries:
            if gaps_only and not entry.gap:
                continue
            line = {"commune": entry.commune, "need_category": entry.need_category,
                    "organisation_id": str(entry.destination.organisation_id or ""),
                    "by": entry.destination.by, "gap": entry.gap}
            click.echo(json.dumps(line) if as_json else
                       f"{entry.commune} {entry.need_category:32} -> "
                       f"{line['organisation_id'] or 'NOWHERE'} ({entry.destination.by})")
        gaps = sum(entry.gap for entry in entries)
        click.echo(f"{len(entries)} pairs, {gaps} left to the fallback or nowhere", err=True)
