"""Object-level access beyond single objects: what lists, exports and aggregates let
a member of another organisation (or another contract's coordinator) learn."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.security


def _ids(response) -> set[str]:
    assert response.status_code == 200, response.get_json()
    return {item["id"] for item in response.get_json()["items"]}


def test_another_organisation_s_referral_is_in_none_of_my_lists(world):
    referral = world.ids["referral_id"]
    assert referral in _ids(world.call("referrals", "GET", "/api/v1/referrals?limit=200",
                                       "handler"))
    assert referral in _ids(world.call("referrals", "GET",
                                       "/api/v1/referrals?side=referrer&limit=200", "referrer"))
    assert referral not in _ids(world.call("referrals", "GET", "/api/v1/referrals?limit=200",
                                           "other_handler"))
    assert referral not in _ids(world.call("referrals", "GET",
                                           "/api/v1/referrals?side=referrer&limit=200",
                                           "other_referrer"))
    for who in ("other_handler", "other_referrer"):
        export = world.call("referrals", "GET", "/api/v1/referrals/export.csv", who)
        assert export.status_code == 200 and referral not in export.get_data(as_text=True)


def test_the_triage_counters_count_only_my_organisation(world):
    mine = world.call("referrals", "GET", "/api/v1/referrals/counters", "handler").get_json()
    theirs = world.call("referrals", "GET", "/api/v1/referrals/counters",
                        "other_handler").get_json()
    assert mine["open"] >= 1 and theirs["open"] == 0


def test_a_referrer_cannot_read_the_receiving_side_s_queue_or_notes(world):
    assert world.call("referrals", "GET", "/api/v1/referrals?side=receiving",
                      "referrer").status_code == 403
    notes = world.call("referrals", "GET", f"/api/v1/referrals/{world.ids['referral_id']}",
                       "referrer").get_json()
    assert not notes.get("notes") and not notes.get("possible_duplicates")


def test_a_member_cannot_read_or_mark_another_member_s_inbox(world):
    item = world.ids["item_id"]
    for who in ("handler", "coordinator", "admin", "other_referrer"):
        listed = world.call("notifications", "GET", "/api/v1/inbox?limit=200", who)
        assert item not in _ids(listed), who
        assert world.call("notifications", "POST", f"/api/v1/inbox/{item}/read",
                          who).status_code == 404
    assert item in _ids(world.call("notifications", "GET", "/api/v1/inbox?limit=200",
                                   "referrer"))


def test_another_contract_s_coordinator_sees_none_of_its_statistics(world):
    contract = world.ids["contract_id"]
    refused = world.call("referrals", "GET", f"/api/v1/stats?contract_id={contract}",
                         "other_coordinator")
    assert refused.status_code == 403
    rows = world.call("referrals", "GET", "/api/v1/stats?group_by=contract_id",
                      "other_coordinator").get_json()["rows"]
    assert contract not in {row["contract_id"] for row in rows}
    own = world.call("referrals", "GET", "/api/v1/stats?group_by=contract_id",
                     "coordinator").get_json()["rows"]
    assert contract in {row["contract_id"] for row in own}


def test_another_organisation_s_webhooks_are_invisible_to_its_coordinator(world):
    subscription = world.ids["subscription_id"]
    assert subscription not in _ids(world.call("notifications", "GET", "/api/v1/webhooks",
                                               "other_coordinator"))
    by_filter = world.call("notifications", "GET",
                           f"/api/v1/webhooks?organisation_id={world.ids['organisation_id']}",
                           "other_coordinator")
    assert by_filter.status_code == 403 or subscription not in _ids(by_filter)
    assert subscription in _ids(world.call("notifications", "GET", "/api/v1/webhooks",
                                           "coordinator"))


@pytest.mark.parametrize("path", ["/api/v1/contracts/{other_contract_id}",
                                  "/api/v1/contracts/{other_contract_id}/axes"])
def test_a_coordinator_cannot_write_another_contract(world, path):
    url = path.format(**world.ids)
    method, body = ("PATCH", {"reminder_after_days": 12}) if path.endswith("}") else \
        ("POST", {"code": "X9", "title": "Intrusion"})
    assert world.call("registry", method, url, "coordinator", json=body).status_code == 403
    assert world.call("registry", method, url, "other_coordinator",
                      json=body).status_code in (200, 201)
