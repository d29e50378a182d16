"""The contracts demo loads the seeds' CLS on PostgreSQL and SQLite, twice without change."""

import json
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from services.registry.cli import cli
from services.registry.demo import contracts as contracts_demo
from services.registry.demo import directory as directory_demo
from services.registry.domain.routing import coverage
from services.registry.store import contracts as contract_store
from services.registry.store import pathways as pathway_store
from services.registry.store import routing as routing_store
from services.registry.store.references import known_need_categories
from shared.db import make_engine, make_session_factory
from shared.messaging.schema import outbox
from shared.migrations import upgrade

pytestmark = pytest.mark.integration


def load_twice(url):
    upgrade(Path("services/registry/migrations"), url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    counts = []
    for _ in range(2):
        with sessions.begin() as session:
            directory_demo.load(session, None)
            contracts_demo.load(session, None)
        with sessions() as session:
            counts.append(session.execute(select(func.count()).select_from(outbox)).scalar())
    return engine, sessions, counts


def test_the_demo_loads_the_five_cls_idempotently(any_database_url):
    engine, sessions, counts = load_twice(any_database_url)
    assert counts[0] == counts[1], "a second load publishes nothing"
    with sessions() as session:
        contracts = {c.name: c for c in contract_store.page(session, after=None, limit=200)}
        in_force = {name for name, c in contracts.items() if c.status == "active"}
        assert in_force == {"CLS de La Possession", "CLS Challans Gois – Océan Marais de Monts",
                            "CLS du Bassin d'Aurillac", "CLS de Créteil",
                            "CLS de Gennevilliers 2021-2026"}
        challans = contracts["CLS Challans Gois – Océan Marais de Monts"]
        assert len(challans.communes) == 16 and challans.signed_on.isoformat() == "2022-12-15"
        aurillac = contracts["CLS du Bassin d'Aurillac"]
        assert len(aurillac.communes) == 25 and "15014" in aurillac.communes
        assert aurillac.predecessor_id == contracts["CLS du Bassin d'Aurillac (2016)"].id
        creteil = contracts["CLS de Créteil"]
        assert (creteil.generation, creteil.signed_on.isoformat()) == (2, "2022-03-07")
        assert contracts["CLS de Gennevilliers 2021-2026"].generation == 3
        possession = contracts["CLS de La Possession"]
        assert possession.coordinator_member_id is not None, "the demo coordinator"
        [sport] = pathway_store.page(session, contract_id=possession.id, after=None, limit=None)
        assert sport.name == "Sport sur Ordonnance"
        assert [s.name for s in sport.steps] == ["Bilan sport santé", "Activité physique adaptée"]
        report = coverage(routing_store.rules_of(session, challans.id),
                          territory=challans.communes,
                          fallback_organisation_id=challans.fallback_organisation_id,
                          need_categories=known_need_categories(session, active_only=True))
        routed = {e.commune for e in report if not e.gap}
        assert routed == {"85047", "85234"}, "only the CCAS the seeds name take needs by rule"
        possession_report = coverage(
            routing_store.rules_of(session, possession.id), territory=possession.communes,
            fallback_organisation_id=possession.fallback_organisation_id,
            need_categories=["physical_activity_prescription"])
        assert possession_report[0].destination.organisation_id == sport.steps[0].organisation_id
    engine.dispose()


def test_the_coverage_command_lists_a_demo_contracts_gaps(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/registry.db"
    engine, sessions, _ = load_twice(url)
    with sessions() as session:
        challans = contract_store.find_by_name(session,
                                               "CLS Challans Gois – Océan Marais de Monts")
    engine.dispose()
    monkeypatch.setenv("RELAIS_DATABASE_URL", url)
    result = CliRunner().invoke(cli, ["contract-coverage", str(challans.id), "--gaps-only",
                                      "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines and all(line["by"] == "fallback" for line in lines)
    assert {line["commune"] for line in lines} == set(challans.communes)
    missing = CliRunner().invoke(cli, ["contract-coverage", str(uuid.uuid4())])
    assert missing.exit_code == 1
