"""Scenario 1, end to end on real processes: a GP of the CPTS Ouest Réunion raises an
access-to-rights need for a resident of La Possession; the CCAS de La Possession
triages, accepts, writes to the GP and completes it; the GP follows each step in the
referral, in the inbox and by e-mail (without the person's name); the CLS's computed
indicator and the coordinator's statistics count it."""

from __future__ import annotations

import uuid

import pytest

from shared.testing.servers import wait_until
from tests.e2e.system import Stopwatch

pytestmark = pytest.mark.e2e

FIRST_NAME, LAST_NAME, BIRTH_DATE = "Ermengarde", "Vuillermoz-Trébuchet", "1948-11-27"
PRIVATE = (FIRST_NAME, LAST_NAME, BIRTH_DATE, "27/11/1948", "06 93 11 22 33")
SHARED_MESSAGE = "Rendez-vous fixé au CCAS mardi 10h pour l'ouverture des droits."
WAIT = {"timeout": 30, "interval": 0.1}


def intake(**extra) -> dict:
    return {
        "beneficiary": {"first_name": FIRST_NAME, "last_name": LAST_NAME,
                        "birth_date": BIRTH_DATE, "commune": "97408", "phone": PRIVATE[-1]},
        "need_category": "access_to_rights",
        "description": "Renouvellement de la complémentaire santé solidaire à accompagner.",
        "consent": {"obtained_by": "Dr Camille Rivière", "obtained_at": "2026-01-05T10:00:00Z",
                    "method": "oral", "scope": "referral_and_follow_up"},
        **extra,
    }


def submit_when_routable(gp, body: dict, key: str):
    """POST the referral; 422 on the fiche only while the registry's events are still on
    their way to the referrals read models (a 422 creates nothing)."""
    response = gp.post("referrals", "/api/v1/referrals", json=body,
                       headers={"Idempotency-Key": key})
    if response.status_code == 422 and response.json()["errors"][0]["field"] == "action_id":
        return None
    assert response.status_code == 201, response.text
    return response


def la_possession(admin) -> tuple[dict, dict, dict]:
    """The CLS de La Possession, its fiche 2-5 (Sport sur Ordonnance) and the fiche's
    indicator computed from the referrals raised under it."""
    contracts = admin.get("registry", "/api/v1/contracts", params={"commune": "97408"}).json()
    (contract,) = [c for c in contracts["items"] if c["name"] == "CLS de La Possession"]
    actions = admin.get("registry", f"/api/v1/contracts/{contract['id']}/actions",
                        params={"limit": 200}).json()["items"]
    (fiche,) = [a for a in actions if a["code"] == "2-5"]
    indicators = admin.get("registry", f"/api/v1/actions/{fiche['id']}/indicators").json()
    (indicator,) = [i for i in indicators["items"] if i["metric"] == "distinct_beneficiaries"]
    return contract, fiche, indicator


def indicator_value(account, indicator_id) -> float:
    current = account.get("registry", f"/api/v1/indicators/{indicator_id}").json()["current"]
    return float(current["value"] or 0)


def counted(coordinator, contract_id) -> dict:
    response = coordinator.get("referrals", "/api/v1/stats",
                               params={"contract_id": contract_id, "group_by": "status"})
    assert response.status_code == 200, response.text
    totals: dict[str, int] = {}
    for row in response.json()["rows"]:
        totals[row["status"]] = totals.get(row["status"], 0) + row["count"]
    return totals


def inbox_kinds(account, referral_id) -> list[str]:
    items = account.get("notifications", "/api/v1/inbox", params={"limit": 200}).json()["items"]
    return [i["kind"] for i in items if i["summary"].get("referral_id") == referral_id]


def mails_about(system, address, reference) -> list[dict]:
    return [m for m in system.mailbox.to(address) if reference in m["subject"]]


def test_a_need_raised_by_a_gp_is_handled_by_the_ccas_and_followed_by_the_gp(demo_system):
    system, watch = demo_system, Stopwatch("scenario 1: access to rights, La Possession")
    gp, agent = system.sign_in("referrer"), system.sign_in("handler")
    coordinator, admin = system.sign_in("coordinator"), system.sign_in("admin")
    watch.lap("four demo accounts signed in (POST /auth/token)")
    contract, fiche, indicator = la_possession(admin)
    value_before = indicator_value(coordinator, indicator["id"])
    stats_before = counted(coordinator, contract["id"])

    response = wait_until(lambda: submit_when_routable(gp, intake(action_id=fiche["id"]),
                                                       str(uuid.uuid4())),
                          message="the referral accepted for submission", **WAIT)
    referral = response.json()
    watch.lap("GP submitted the need (201)")
    ccas = admin.get("registry", f"/api/v1/organisations/{referral['receiving_organisation_id']}")
    assert ccas.json()["name"] == "CCAS de La Possession"
    assert referral["receiving_organisation_id"] == agent.organisation_id
    assert referral["referrer_organisation_id"] == gp.organisation_id
    assert (referral["status"], referral["contract_id"]) == ("requested", contract["id"])

    def in_triage_queue():
        page = agent.get("referrals", "/api/v1/referrals",
                         params={"status": "requested", "limit": 200}).json()
        return [r for r in page["items"] if r["id"] == referral["id"]]

    (queued,) = wait_until(in_triage_queue, message="the referral in the triage queue", **WAIT)
    assert queued["beneficiary"]["last_name"] == LAST_NAME  # the handler needs the identity
    watch.lap("CCAS agent sees it in the triage queue")

    accepted = agent.post("referrals", f"/api/v1/referrals/{referral['id']}/transitions",
                          json={"action": "accept"},
                          headers={"If-Match": f'W/"{referral["version"]}"'})
    assert accepted.status_code == 200, accepted.text
    stale = agent.post("referrals", f"/api/v1/referrals/{referral['id']}/transitions",
                       json={"action": "complete", "outcome_code": "rights_opened"},
                       headers={"If-Match": f'W/"{referral["version"]}"'})
    assert stale.status_code == 412  # the ETag the agent read before accepting is stale now
    watch.lap("CCAS agent accepted it (If-Match)")
    reference = _reference(referral["id"])
    _gp_sees(system, gp, referral["id"], reference, "accepted", "referrals.referral.accepted")
    watch.lap("GP sees 'accepted': referral, inbox and e-mail")

    message = agent.post("referrals", f"/api/v1/referrals/{referral['id']}/messages",
                         json={"body": SHARED_MESSAGE})
    assert message.status_code == 201, message.text
    messages = gp.get("referrals", f"/api/v1/referrals/{referral['id']}").json()["messages"]
    assert [m["body"] for m in messages] == [SHARED_MESSAGE]
    wait_until(lambda: "referrals.message.shared" in inbox_kinds(gp, referral["id"]),
               message="the GP's inbox item for the message", **WAIT)
    wait_until(lambda: [m for m in mails_about(system, gp.email, reference)
                        if "message" in m["subject"].lower()],
               message="the GP's e-mail about the message", **WAIT)
    watch.lap("CCAS shared a message; GP reads it, inbox and e-mail")

    version = accepted.json()["version"]
    completed = agent.post("referrals", f"/api/v1/referrals/{referral['id']}/transitions",
                           json={"action": "complete", "outcome_code": "rights_opened",
                                 "text": "Complémentaire santé solidaire ouverte."},
                           headers={"If-Match": f'W/"{version}"'})
    assert completed.status_code == 200, completed.text
    watch.lap("CCAS agent completed it with an outcome")
    seen = _gp_sees(system, gp, referral["id"], reference, "completed",
                    "referrals.referral.completed")
    assert seen["outcome_code"] == "rights_opened"
    assert [h["to_status"] for h in seen["history"]] == ["requested", "accepted", "completed"]
    watch.lap("GP sees 'completed' and the outcome: referral, inbox and e-mail")

    wait_until(lambda: indicator_value(coordinator, indicator["id"]) == value_before + 1,
               message="the fiche's computed indicator to count the person", **WAIT)
    watch.lap("registry's computed indicator of fiche 2-5 moved")
    stats_after = counted(coordinator, contract["id"])
    assert sum(stats_after.values()) == sum(stats_before.values()) + 1
    assert stats_after.get("completed", 0) == stats_before.get("completed", 0) + 1
    watch.lap("coordinator's statistics count it")

    _no_personal_data_leaves(system)
    watch.lap("no name in e-mails, outboxes and logs")
    print("\n" + watch.report())


def _gp_sees(system, gp, referral_id, reference, status, kind) -> dict:
    """The GP sees the new status in the referral, an inbox item and an e-mail."""
    view = gp.get("referrals", f"/api/v1/referrals/{referral_id}")
    assert view.status_code == 200, view.text
    assert view.json()["status"] == status
    wait_until(lambda: kind in inbox_kinds(gp, referral_id),
               message=f"the GP's inbox item {kind}", **WAIT)
    label = {"accepted": "accepté", "completed": "terminé"}[status]
    wait_until(lambda: [m for m in mails_about(system, gp.email, reference)
                        if label in m["subject"]],
               message=f"the GP's e-mail '{label}'", **WAIT)
    return view.json()


def _reference(referral_id: str) -> str:
    return "SIG-" + referral_id.replace("-", "")[:8].upper()


def _no_personal_data_leaves(system) -> None:
    assert system.mailbox.messages, "no e-mail was sent at all"
    for mail in system.mailbox.messages:
        for value in PRIVATE:
            assert value not in mail["raw"], f"{value!r} in an e-mail: {mail['subject']}"
    for service, envelopes in system.outbox_envelopes().items():
        assert envelopes, f"{service} published nothing"
        for envelope in envelopes:
            for value in PRIVATE:
                assert value not in envelope, f"{value!r} in an outbox envelope of {service}"
    for process, text in system.process_logs().items():
        for value in PRIVATE:
            assert value not in text, f"{value!r} in the log of {process}"
