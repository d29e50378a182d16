"""Read models kept from registry events tolerate late and repeated events."""

import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from services.notifications import worker as notifications_worker
from services.referrals import worker as referrals_worker
from shared.db import make_engine, make_session_factory
from shared.events import new_event, parse_event, to_envelope
from shared.migrations import upgrade

pytestmark = pytest.mark.integration


def organisation_event(org_id, version, name, verb="updated"):
    return parse_event(to_envelope(new_event(f"registry.organisation.{verb}", {
        "id": org_id, "name": name, "kind": "ccas", "active": True, "version": version})))


@pytest.mark.parametrize("service", [referrals_worker, notifications_worker])
def test_an_older_event_arriving_late_changes_nothing(any_database_url, service):
    name = service.__name__.split(".")[1]
    upgrade(Path(f"services/{name}/migrations"), any_database_url)
    engine = make_engine(any_database_url)
    sessions = make_session_factory(engine)
    org_id = str(uuid.uuid4())
    apply = service.HANDLERS["registry.organisation.updated"]
    for version, label in [(1, "v1"), (3, "v3"), (2, "v2 (late)"), (3, "v3 again")]:
        with sessions.begin() as session:
            apply(session, organisation_event(org_id, version, label))
    with sessions() as session:
        row = session.execute(select(service.organisation_directory)).one()
    assert (row.name, row.version) == ("v3", 3)
    engine.dispose()
