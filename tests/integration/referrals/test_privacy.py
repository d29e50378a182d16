"""Privacy: no identity in events or logs, key rotation, anonymisation with a dry run,
one person's record for an access request, statistics without identities."""

import json
import logging
from datetime import timedelta

import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet
from sqlalchemy import select

from services.referrals.cli import cli
from services.referrals.commands import retention
from services.referrals.store.cipher import IdentityCipher
from services.referrals.store.referral_tables import audit_log, beneficiaries, referrals
from shared.messaging.schema import outbox
from tests.integration.referrals.conftest import NAME, SURNAME, act, submit

pytestmark = pytest.mark.integration


def lifecycle(client):
    world = client.world
    referral = submit(client)
    base = f"/api/v1/referrals/{referral['id']}"
    client.post(base + "/messages", json={"body": f"Vu {NAME}"}, headers=client.as_(world.handler))
    client.put(base + "/assignment", json={"assignee_member_id": world.handler2.id},
               headers=client.as_(world.handler, **{"If-Match": 'W/"1"'}))
    referral = client.get(base, headers=client.as_(world.handler)).json
    for action, extra in (("accept", {}), ("start", {}),
                          ("complete", {"outcome_code": "need_met", "text": f"{SURNAME} aidée"})):
        referral = act(client, world.handler, referral, action, **extra).json
    return referral


def test_no_identity_in_any_outbox_envelope_or_log_line(client, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    lifecycle(client)
    with client.sessions() as session:
        envelopes = session.execute(select(outbox.c.envelope)).scalars().all()
    assert len(envelopes) >= 5
    captured = capsys.readouterr()
    everything = "\n".join([*envelopes, caplog.text, captured.out, captured.err])
    for secret in (NAME, SURNAME, "1950-03-14", "06 12 34 56 78", "ouvrir ses droits"):
        assert secret not in everything, secret
    data = [json.loads(e)["data"] for e in envelopes]
    assert all("description" not in d and "beneficiary" not in d for d in data)


def test_rotation_re_encrypts_with_the_newest_key(client):
    lifecycle(client)
    old = client.settings.encryption_keys
    new = Fernet.generate_key().decode()
    with client.sessions.begin() as session:
        count = retention.rotate(session, IdentityCipher([new, old]))
    assert count >= 6
    only_new = IdentityCipher([new])
    with client.sessions() as session:
        token = session.execute(select(beneficiaries.c.last_name_enc)).scalar()
    assert only_new.decrypt(token) == SURNAME


def test_anonymisation_dry_run_changes_nothing_and_the_real_run_keeps_statistics(client):
    closed = lifecycle(client)
    still_open = submit(client, beneficiary={"first_name": "Autre", "last_name": "Personne"})
    later = client.now[0] + timedelta(days=731)
    with client.sessions.begin() as session:
        assert retention.anonymise(session, client.now[0] + timedelta(days=700), 730,
                                   dry_run=False)["beneficiaries"] == 0, "too early"
        dry = retention.anonymise(session, later, 730, dry_run=True)
    assert (dry["beneficiaries"], dry["referrals"]) == (1, 1)
    with client.sessions() as session:
        assert session.execute(select(beneficiaries.c.anonymised_at)).scalars().all() == [
            None, None]
    with client.sessions.begin() as session:
        real = retention.anonymise(session, later, 730, dry_run=False)
    with client.sessions.begin() as session:
        again = retention.anonymise(session, later, 730, dry_run=False)
    assert (real["referrals"], again["referrals"]) == (1, 0), "idempotent"
    with client.sessions() as session:
        row = session.execute(select(referrals).where(referrals.c.id == closed["id"])).one()
        person = session.execute(select(beneficiaries).where(
            beneficiaries.c.id == row.beneficiary_id)).one()
    assert row.description_enc is None and row.outcome_text_enc is None
    assert person.last_name_enc is None and person.blind_index is None
    assert (row.status, row.need_category, row.commune, row.outcome_code) == (
        "completed", "social_rights", "94028", "need_met")
    kept = client.get(f"/api/v1/referrals/{still_open['id']}",
                      headers=client.as_(client.world.handler)).json
    assert kept["beneficiary"]["first_name"] == "Autre"
    gone = client.get(f"/api/v1/referrals/{closed['id']}",
                      headers=client.as_(client.world.handler)).json
    assert gone["beneficiary"] is None and gone["anonymised_at"]
    with client.sessions() as session:
        assert session.execute(select(audit_log.c.id).where(
            audit_log.c.action == "anonymise")).first() is not None


def test_the_cli_runs_the_dry_run_rotation_and_person_export(client, monkeypatch):
    lifecycle(client)
    env = {"RELAIS_DATABASE_URL": client.settings.database_url,
           "RELAIS_ENCRYPTION_KEYS": client.settings.encryption_keys,
           "RELAIS_BLIND_INDEX_KEY": client.settings.blind_index_key,
           "RELAIS_LOG_JSON": "false"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()
    dry = runner.invoke(cli, ["anonymise", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.output.strip().splitlines()[-1])["dry_run"] is True
    exported = runner.invoke(cli, ["export-person", "--first-name", "zéphyrine",
                                   "--last-name", SURNAME, "--birth-date", "1950-03-14",
                                   "--commune", "94028", "--operator", "dpo"])
    assert exported.exit_code == 0, exported.output
    assert '"referrals"' in exported.output and SURNAME in exported.output
    monkeypatch.setenv("RELAIS_ENCRYPTION_KEYS",
                       Fernet.generate_key().decode() + "," + client.settings.encryption_keys)
    rotated = runner.invoke(cli, ["rotate-encryption"])
    assert rotated.exit_code == 0 and "re-encrypted" in rotated.output


def test_an_admin_exports_one_persons_record_and_it_is_audited(client):
    world = client.world
    lifecycle(client)
    body = {"beneficiary": {"first_name": NAME, "last_name": SURNAME,
                            "birth_date": "1950-03-14", "commune": "94028"}}
    for member in (world.handler, world.referrer, world.coordinator):
        assert client.post("/api/v1/access-requests", json=body,
                           headers=client.as_(member)).status_code == 403
    response = client.post("/api/v1/access-requests", json=body, headers=client.as_(world.admin))
    assert response.status_code == 200, response.json
    record = response.json
    assert record["beneficiaries"] == 1
    assert record["referrals"][0]["beneficiary"]["last_name"] == SURNAME
    assert record["referrals"][0]["messages"][0]["body"] == f"Vu {NAME}"
    with client.sessions() as session:
        assert session.execute(select(audit_log.c.member_id).where(
            audit_log.c.action == "access_request")).scalar() == world.admin.id


def test_statistics_are_aggregates_for_the_coordinator_of_the_contract(client):
    world = client.world
    lifecycle(client)
    submit(client, member=world.other_referrer, need_category="housing")
    response = client.get("/api/v1/stats?group_by=need_category",
                          headers=client.as_(world.coordinator))
    assert response.status_code == 200, response.json
    rows = {r["need_category"]: r for r in response.json["rows"]}
    assert rows["social_rights"]["by_status"] == {"completed": 1}
    assert rows["social_rights"]["acceptance_rate"] == 1.0
    assert rows["housing"]["count"] == 1 and rows["housing"]["distinct_referrers"] == 1
    assert NAME not in response.get_data(as_text=True)
    total = client.get("/api/v1/stats?group_by=period",
                       headers=client.as_(world.admin)).json["rows"][0]
    assert (total["count"], total["distinct_beneficiaries"], total["distinct_referrers"]) == (
        2, 1, 2), "the same person twice is one beneficiary"
    stranger = type(world.coordinator)(world.handler.id, world.ccas, ("coordinator",))
    assert client.get("/api/v1/stats", headers=client.as_(stranger)).json["rows"] == []
    for member in (world.handler, world.referrer):
        assert client.get("/api/v1/stats", headers=client.as_(member)).status_code == 403
    bad = client.get("/api/v1/stats?group_by=last_name", headers=client.as_(world.admin))
    assert bad.status_code == 422
