"""Building blocks of the plan tests: a contract with an axis and a fiche, referral events."""

import uuid
from datetime import UTC, datetime, timedelta

from shared.events import new_event, to_envelope


def plan_with_fiche(client, code="SSO", contract=None, **contract_values):
    contract = contract or client.contract(**contract_values)
    axis = client.post(f"/api/v1/contracts/{contract}/axes", headers=client.admin,
                       json={"code": "AXE 2", "title": "Nutrition, diabète et activité physique"})
    assert axis.status_code == 201, axis.json
    fiche = client.post(f"/api/v1/contracts/{contract}/actions", headers=client.admin,
                        json={"axis_id": axis.json["id"], "code": code,
                              "title": "Sport sur Ordonnance"})
    assert fiche.status_code == 201, fiche.json
    return contract, axis.json["id"], fiche.json["id"]


def referral_envelope(referral_id, version, status, *, action_id, beneficiary, referrer,
                      contract_id=None, minutes=0, verb=None):
    """A referrals.referral.* envelope as the referrals service publishes it."""
    verb = verb or {"requested": "submitted", "accepted": "accepted", "in-progress": "started",
                    "completed": "completed", "rejected": "rejected"}[status]
    data = {
        "id": referral_id, "version": version, "contract_id": contract_id,
        "action_id": action_id, "beneficiary_id": beneficiary, "need_category":
        "physical_activity", "commune": "97408", "urgency": "normal", "status": status,
        "referrer_member_id": referrer, "referrer_organisation_id": uuid.uuid4(),
        "receiving_organisation_id": uuid.uuid4(),
        "occurred_at": datetime(2026, 3, 2, 9, 0, tzinfo=UTC) + timedelta(minutes=minutes),
    }
    return to_envelope(new_event(f"referrals.referral.{verb}", data, subject=str(referral_id)))
