"""Reminders and expiry with an injected clock; two workers never double-fire."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from services.referrals.commands.timers import run_timers
from services.referrals.worker import periodic_tasks
from shared.messaging.schema import outbox
from tests.integration.referrals.conftest import feed, submit

pytestmark = pytest.mark.integration


def types(client):
    with client.sessions() as session:
        return [t for t in session.execute(select(outbox.c.routing_key).order_by(outbox.c.seq))
                .scalars()]


def tick(client, days):
    moment = client.now[0] + timedelta(days=days)
    return run_timers(client.sessions, lambda: moment)


def test_reminded_once_after_the_contract_delay_then_expired(client):
    referral = submit(client)
    assert tick(client, 9.9) == {"expired": 0, "reminded": 0}
    assert tick(client, 10) == {"expired": 0, "reminded": 1}
    assert tick(client, 11) == {"expired": 0, "reminded": 0}, "once"
    overdue = client.get("/api/v1/referrals?overdue=true", headers=client.as_(client.world.handler))
    assert overdue.json["items"] == []  # the API clock is still at submission time
    client.now[0] += timedelta(days=10)
    overdue = client.get("/api/v1/referrals?overdue=true", headers=client.as_(client.world.handler))
    assert [i["id"] for i in overdue.json["items"]] == [referral["id"]]
    assert overdue.json["items"][0]["overdue"] is True
    assert tick(client, 30 - 10) == {"expired": 1, "reminded": 0}
    assert types(client) == ["referrals.referral.submitted", "referrals.referral.reminded",
                             "referrals.referral.expired"]
    seen = client.get(f"/api/v1/referrals/{referral['id']}",
                      headers=client.as_(client.world.referrer)).json
    assert seen["status"] == "expired" and seen["history"][-1]["actor_member_id"] is None


def test_an_answered_referral_is_neither_reminded_nor_expired(client):
    from tests.integration.referrals.conftest import act
    referral = submit(client)
    act(client, client.world.handler, referral, "accept")
    assert tick(client, 40) == {"expired": 0, "reminded": 0}


def test_delays_are_per_contract(client):
    world = client.world
    feed(client.sessions, [("registry.contract.updated", {
        "id": world.contract, "name": "CLS de Créteil", "status": "active",
        "communes": ["94028", "94046", "97408"], "fallback_organisation_id": world.ccas,
        "reminder_after_days": 3, "expire_after_days": 5, "version": 2})])
    submit(client)
    assert tick(client, 3) == {"expired": 0, "reminded": 1}
    assert tick(client, 5) == {"expired": 1, "reminded": 0}


def test_two_workers_at_once_remind_each_referral_once(client):
    for _ in range(12):
        submit(client)
    moment = client.now[0] + timedelta(days=10)
    results = []
    workers = [threading.Thread(target=lambda: results.append(
        run_timers(client.sessions, lambda: moment))) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sum(r["reminded"] for r in results) == 12
    assert types(client).count("referrals.referral.reminded") == 12


def test_the_worker_declares_its_timers_with_an_injectable_clock(client):
    moment = client.now[0] + timedelta(days=31)
    tasks = {task.name: task for task in periodic_tasks(client.settings, clock=lambda: moment)}
    submit(client)
    assert tasks["referrals.timers"].run(client.sessions) == {"expired": 1, "reminded": 0}
    assert tasks["referrals.idempotency_prune"].run(client.sessions) == 0
    assert tasks["referrals.anonymise"].run(client.sessions)["beneficiaries"] == 0
