"""Event throughput: events/s one worker process handles, the queue pre-loaded
with the same messages for each contender, timed from the first message taken to
the last one done:

- `relais-notify`: shared.messaging EventConsumer + EventProcessor (idempotency
  record in `processed_events` and the effect in one transaction, ack after
  commit) with the notifications service's real handlers: recipients resolved
  from the read models, an inbox item and its deliveries (in-app, e-mail) written;
- `relais-insert`: the same machinery with a one-row insert as the effect;
- `kombu`: raw kombu consume and ack of the same messages, no effect;
- `celery`: a trivial Celery task (does nothing) on the same Redis, one worker
  process (`-P solo`, Celery's default prefetch), the envelope as its argument.

The notifications handler runs against a copy of the stack's notifications read
models in a database of its own (the stack's dispatcher never sees these rows).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

import redis
from kombu import Producer
from sqlalchemy import create_engine, insert, select

from bench.event_runner import bench_queue, connection, effects_metadata, make_celery
from bench.stats import Figure, Row
from shared.testing.processes import ROOT, ManagedProcess

MODES = ("relais-notify", "relais-insert", "kombu", "celery")
RUN_TIMEOUT = 300.0


def prepare_database(stack) -> str:
    """A notifications schema with the stack's read models copied in, plus bench_effects."""
    from services.notifications.store.tables import READ_MODELS, organisation_directory

    url = stack.databases.create("events")
    stack.cli("notifications", "migrate",
              env={**stack.env["notifications"], "RELAIS_DATABASE_URL": url})
    source, target = create_engine(stack.database_urls["notifications"]), create_engine(url)
    with source.connect() as read, target.begin() as write:
        for table in (organisation_directory, *READ_MODELS):
            rows = [dict(r._mapping) for r in read.execute(select(table))]
            if rows:
                write.execute(insert(table), rows)
    effects_metadata.create_all(target)
    source.dispose()
    target.dispose()
    return url


def envelopes(stack, count: int) -> list[dict]:
    """`count` referral-submitted events to the CCAS of La Possession, fresh ids."""
    from shared.events import new_event, to_envelope

    now = datetime.now(UTC)
    found = []
    for _ in range(count):
        referral_id = uuid.uuid4()
        data = {"id": referral_id, "version": 1, "contract_id": None, "action_id": None,
                "pathway_id": None, "pathway_run_id": None, "step_position": None,
                "beneficiary_id": uuid.uuid4(), "need_category": "access_to_rights",
                "commune": "97408", "urgency": "normal", "status": "requested",
                "previous_status": None, "referrer_member_id": stack.demo["referrer"],
                "referrer_organisation_id": stack.demo["referrer_org"],
                "receiving_organisation_id": stack.demo["ccas_org"],
                "previous_organisation_id": None, "assignee_member_id": None,
                "actor_member_id": stack.demo["referrer"], "reason_code": None,
                "outcome_code": None, "occurred_at": now}
        event = new_event("referrals.referral.submitted", data, subject=str(referral_id))
        found.append(to_envelope(event))
    return found


def _publish_kombu(messages: list[dict], queue_name: str) -> None:
    conn = connection()
    with conn:
        queue = bench_queue(queue_name)
        queue(conn.default_channel).declare()
        producer = Producer(conn.default_channel, serializer="json")
        for envelope in messages:
            producer.publish(envelope, exchange=queue.exchange, routing_key=queue_name,
                             delivery_mode=2, headers={"event_id": envelope["id"]})


def _run_consumer(stack, mode: str, queue_name: str, count: int, env: dict) -> float:
    process = ManagedProcess([sys.executable, "-m", "bench.event_runner", mode, queue_name,
                              str(count)], env=env, name=f"events-{mode}").start()
    try:
        process.process.wait(timeout=RUN_TIMEOUT)
        lines = [line for line in process.output().splitlines() if line.startswith("{")]
        if process.process.returncode != 0 or not lines:
            raise RuntimeError(f"{mode} consumer failed:\n{process.output()[-2000:]}")
        timing = json.loads(lines[-1])
        return count / (timing["last"] - timing["first"])
    finally:
        process.terminate()
        process.cleanup()


def _run_celery(stack, queue_name: str, messages: list[dict], env: dict) -> float:
    app = make_celery(stack.redis_url, stack.prefix)
    with app.producer_or_acquire() as producer:
        for envelope in messages:
            app.send_task("bench.noop", args=[envelope], queue=queue_name, producer=producer)
    client = redis.Redis.from_url(stack.redis_url)
    key = f"{stack.prefix}bench:celery:{queue_name}"
    worker = ManagedProcess(
        [sys.executable, "-m", "celery", "-A", "bench.event_runner:celery_app", "worker",
         "-P", "solo", "-c", "1", "-Q", queue_name, "--without-gossip", "--without-mingle",
         "--without-heartbeat", "-l", "WARNING"],
        env={**env, "BENCH_CELERY": "1", "BENCH_COUNT": str(len(messages)),
             "BENCH_QUEUE": queue_name}, name="events-celery").start()
    try:
        deadline = time.monotonic() + RUN_TIMEOUT
        while client.get(f"{key}:last") is None:
            if time.monotonic() > deadline or not worker.alive():
                raise RuntimeError(f"celery worker did not finish:\n{worker.output()[-2000:]}")
            time.sleep(0.05)
        first, last = float(client.get(f"{key}:first")), float(client.get(f"{key}:last"))
        return len(messages) / (last - first)
    finally:
        worker.terminate()
        worker.cleanup()
        app.close()


def run(stack, *, runs: int, count: int, log) -> tuple[list, dict]:
    database_url = prepare_database(stack)
    env = {"BENCH_DATABASE_URL": database_url, "BENCH_REDIS_URL": stack.redis_url,
           "BENCH_KEY_PREFIX": stack.prefix, "RELAIS_LOG_LEVEL": "WARNING"}
    os.environ.update({"BENCH_REDIS_URL": stack.redis_url, "BENCH_KEY_PREFIX": stack.prefix})
    figures = {mode: Figure(f"{mode} events/s", "events/s") for mode in MODES}
    for index in range(runs):
        messages = envelopes(stack, count)
        for mode in MODES:
            queue_name = f"bench.events.{mode}.{index}"
            if mode == "celery":
                rate = _run_celery(stack, queue_name, messages, env)
            else:
                _publish_kombu(messages, queue_name)
                rate = _run_consumer(stack, mode, queue_name, count, env)
            figures[mode].runs.append(rate)
            log(f"  events run {index + 1}/{runs} {mode}: {rate:.0f} events/s ({count} events)")
    notify, simple = figures["relais-notify"], figures["relais-insert"]
    kombu, celery = figures["kombu"], figures["celery"]
    rows = [
        Row("events", Figure("worker, notifications handler", "events/s", notify.runs),
            celery, "trivial Celery task", ">= 1.0x"),
        Row("events", Figure("worker, notifications handler", "events/s", notify.runs),
            kombu, "raw kombu consume"),
        Row("events", Figure("worker, one-insert handler", "events/s", simple.runs),
            celery, "trivial Celery task", ">= 1.0x"),
        Row("events", Figure("trivial Celery task", "events/s", celery.runs), kombu,
            "raw kombu consume"),
    ]
    return rows, {"count": count, "figures": {m: f.as_dict() for m, f in figures.items()},
                  "root": str(ROOT), "python": sys.version.split()[0],
                  "celery": _version("celery"), "kombu": _version("kombu")}


def _version(package: str) -> str:
    try:
        return subprocess.run([sys.executable, "-c", f"import {package}; "
                               f"print({package}.__version__)"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except subprocess.CalledProcessError:
        return "?"
