"""Commands of the registry's plan part: `export-action-plan`."""

from __future__ import annotations

import sys
import uuid

import click

from services.registry.api.plan.export import plan_rows, render_csv
from services.registry.settings import load
from services.registry.store.contract_refs import contract_id_by_name, get_contract
from shared.db import make_engine, make_session_factory


def register(cli) -> None:
    """Add this part's commands to the registry's click group."""

    @cli.command("export-action-plan")
    @click.argument("contract")
    @click.option("--output", type=click.Path(dir_okay=False, writable=True), default=None,
                  help="File to write (default: standard output).")
    def export_action_plan(contract, output):
        """Write a contract's action plan as CSV (CONTRACT: its id or its exact name)."""
        engine = make_engine(load().database_url)
        try:
            with make_session_factory(engine)() as session:
                contract_id = _contract_id(session, contract)
                data = render_csv(plan_rows(session, contract_id))
        finally:
            engine.dispose()
        if output:
            with open(output, "wb") as file:
                file.write(data)
        else:
            sys.stdout.buffer.write(data)


def _contract_id(session, reference: str):
    try:
        contract = get_contract(session, uuid.UUID(reference))
    except ValueError:
        contract = None
    contract_id = contract.id if contract else contract_id_by_name(session, reference)
    if contract_id is None:
        raise click.ClickException(f"contrat introuvable : {reference}")
    return contract_id
