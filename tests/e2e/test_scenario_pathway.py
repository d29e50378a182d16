"""Scenario 2, end to end on real processes: the Sport sur Ordonnance pathway of the
CLS de La Possession through its three organisations. The GP (CPTS Ouest Réunion)
starts it; the Maison Sport Santé Sakisoigne handles the "Bilan sport santé", then
the town's sports service the "Activité physique adaptée", each step by a member of
that step's organisation; everyone involved follows the run's progress, nobody else."""

from __future__ import annotations

import uuid

import pytest

from shared.testing.servers import wait_until
from tests.e2e.system import Stopwatch

pytestmark = pytest.mark.e2e

SPORT = "physical_activity_prescription"
WAIT = {"timeout": 30, "interval": 0.1}
PASSWORD = "un mot de passe de démo assez long"


def _handler_of(system, admin, organisation_name: str):
    """A handler member of the organisation, created by the admin, then signed in."""
    page = admin.get("registry", "/api/v1/organisations", params={"limit": 200}).json()
    (organisation,) = [o for o in page["items"] if o["name"] == organisation_name]
    address = f"agent-{uuid.uuid4().hex[:8]}@example.org"
    created = admin.post("registry", "/api/v1/members", json={
        "organisation_id": organisation["id"], "display_name": "Agent parcours (démo)",
        "email": address, "roles": ["handler"], "password": PASSWORD})
    assert created.status_code == 201, created.text
    return system.sign_in(email_address=address, password=PASSWORD)


def _pathway(admin) -> tuple[dict, dict]:
    contracts = admin.get("registry", "/api/v1/contracts", params={"commune": "97408"}).json()
    (contract,) = [c for c in contracts["items"] if c["name"] == "CLS de La Possession"]
    pathways = admin.get("registry", f"/api/v1/contracts/{contract['id']}/pathways").json()
    (pathway,) = [p for p in pathways["items"] if p["name"] == "Sport sur Ordonnance"]
    return contract, pathway


def _start(gp, pathway_id: str):
    """POST the first step; 422 on the pathway only while the registry's events are on
    their way to the referrals read models (a 422 creates nothing)."""
    response = gp.post("referrals", "/api/v1/referrals", json={
        "beneficiary": {"first_name": "Théodrade", "last_name": "Mahé-Parcours",
                        "birth_date": "1961-06-02", "commune": "97408"},
        "need_category": SPORT, "pathway_id": pathway_id,
        "description": "Diabète de type 2 stabilisé : activité physique adaptée prescrite.",
        "consent": {"obtained_by": "Dr Camille Rivière", "obtained_at": "2026-01-05T10:00:00Z",
                    "method": "written", "scope": "pathway"}})
    if response.status_code == 422 and response.json()["errors"][0]["field"] == "pathway_id":
        return None
    assert response.status_code == 201, response.text
    return response.json()


def _handle(handler, referral_id: str, outcome: str) -> dict:
    """The step's handler finds it in the triage queue, accepts and completes it."""

    def queued():
        page = handler.get("referrals", "/api/v1/referrals",
                           params={"status": "requested", "limit": 200}).json()
        return [r for r in page["items"] if r["id"] == referral_id]

    (item,) = wait_until(queued, message="the step in the triage queue", **WAIT)
    accepted = handler.post("referrals", f"/api/v1/referrals/{referral_id}/transitions",
                            json={"action": "accept"},
                            headers={"If-Match": f'W/"{item["version"]}"'})
    assert accepted.status_code == 200, accepted.text
    completed = handler.post("referrals", f"/api/v1/referrals/{referral_id}/transitions",
                             json={"action": "complete", "outcome_code": outcome},
                             headers={"If-Match": f'W/"{accepted.json()["version"]}"'})
    assert completed.status_code == 200, completed.text
    return completed.json()


def _progress(account, run_id: str):
    return account.get("referrals", f"/api/v1/pathway-runs/{run_id}")


def test_sport_sur_ordonnance_runs_through_its_three_organisations(demo_system):
    system, watch = demo_system, Stopwatch("scenario 2: Sport sur Ordonnance pathway")
    gp, admin, ccas_agent = (system.sign_in(r) for r in ("referrer", "admin", "handler"))
    house = _handler_of(system, admin, "Maison Sport Santé Sakisoigne")
    sports = _handler_of(system, admin, "Service des sports de La Possession")
    watch.lap("admin created one handler per step organisation; all signed in")
    contract, pathway = _pathway(admin)
    assert [s["organisation_id"] for s in sorted(pathway["steps"], key=lambda s: s["position"])] \
        == [house.organisation_id, sports.organisation_id]

    first = wait_until(lambda: _start(gp, pathway["id"]), message="the pathway started", **WAIT)
    run_id = first["pathway_run_id"]
    assert run_id and first["step_position"] == 1
    assert first["receiving_organisation_id"] == house.organisation_id
    assert first["contract_id"] == contract["id"]
    watch.lap("GP started the pathway (step 1 routed to the Maison Sport Santé)")
    for account in (gp, house, sports):
        run = _progress(account, run_id)
        assert run.status_code == 200, run.text
        assert [s["status"] for s in run.json()["steps"]] == ["requested", "pending"]
    # Not involved: the CCAS of La Possession does not learn the run exists.
    assert _progress(ccas_agent, run_id).status_code == 404
    assert ccas_agent.get("referrals", f"/api/v1/referrals/{first['id']}").status_code == 404
    watch.lap("progress visible to the three organisations, not to the CCAS")

    _handle(house, first["id"], "need_met")
    watch.lap("Maison Sport Santé accepted and completed step 1")
    run = wait_until(lambda: (r := _progress(gp, run_id).json())["current_position"] == 2 and r,
                     message="step 2 opened", **WAIT)
    second = run["steps"][1]
    assert [s["status"] for s in run["steps"]] == ["completed", "requested"]
    assert second["organisation_id"] == sports.organisation_id and second["referral_id"]
    # The house, done with its step, cannot act on the next organisation's referral.
    assert house.get("referrals", f"/api/v1/referrals/{second['referral_id']}").status_code \
        == 404
    watch.lap("step 2 opened at the sports service")

    _handle(sports, second["referral_id"], "need_met")
    watch.lap("sports service accepted and completed step 2")
    for account in (gp, house, sports):
        done = _progress(account, run_id).json()
        assert done["status"] == "completed" and done["finished_at"]
        assert [(s["status"], s["outcome_code"]) for s in done["steps"]] == \
            [("completed", "need_met"), ("completed", "need_met")]
    step2 = gp.get("referrals", f"/api/v1/referrals/{second['referral_id']}").json()
    assert (step2["status"], step2["referrer_organisation_id"]) == \
        ("completed", gp.organisation_id)
    watch.lap("everyone involved sees the run completed")

    wait_until(lambda: any(i["summary"].get("referral_id") == second["referral_id"]
                           and i["kind"] == "referrals.referral.completed"
                           for i in gp.get("notifications", "/api/v1/inbox",
                                           params={"limit": 200}).json()["items"]),
               message="the GP told that the last step is completed", **WAIT)
    watch.lap("GP's inbox tells the last step is completed")
    print("\n" + watch.report())
