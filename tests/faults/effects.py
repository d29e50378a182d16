"""Counting every effect of the referrals a test sent, in every service and outside.

For each referral the GP was told was created (201), and each acceptance:

| effect              | where                                   | expected                         |
|---------------------|-----------------------------------------|----------------------------------|
| referral            | referrals.referrals                     | 1 row per referral               |
| event               | referrals.outbox                        | submitted (+ accepted), relayed  |
| indicators.processed| registry.processed_events               | each event once                  |
| indicator fact      | registry.referral_facts                 | the referral at its last version |
| dispatch.processed  | notifications.processed_events          | each event once                  |
| inbox item          | notifications.inbox_items               | (event, member): the CCAS agent  |
|                     |                                         | for a submission, the GP after   |
| delivery            | notifications.deliveries                | (event, recipient, channel):     |
|                     |                                         | in_app, email, webhook; all sent |
| e-mail              | the SMTP server                         | one per e-mail delivery          |
| webhook call        | the HTTP receiver                       | one per webhook delivery         |

`lost` is what is expected and absent, `duplicated` what is there more than once.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select

from services.notifications.store.tables import deliveries, inbox_items
from services.referrals.store.referral_tables import referrals
from services.registry.store.plan_tables import referral_facts
from shared.messaging.schema import outbox, processed_events
from shared.testing.servers import wait_until

SUBMITTED, ACCEPTED = "referrals.referral.submitted", "referrals.referral.accepted"


@dataclass
class Tally:
    kind: str
    expected: int
    distinct: int  # expected effects present
    rows: int  # rows (or receptions) found for the expected keys, duplicates included

    @property
    def lost(self) -> int:
        return self.expected - self.distinct

    @property
    def duplicated(self) -> int:
        return self.rows - self.distinct


def _tally(kind: str, expected: set, found: list) -> Tally:
    counts = Counter(key for key in found if key in expected)
    return Tally(kind, len(expected), len(counts), sum(counts.values()))


class Effects:
    def __init__(self, tallies: list[Tally]):
        self.tallies = tallies

    @property
    def expected(self) -> int:
        return sum(t.expected for t in self.tallies)

    @property
    def received(self) -> int:
        return sum(t.distinct for t in self.tallies)

    @property
    def lost(self) -> int:
        return sum(t.lost for t in self.tallies)

    @property
    def duplicated(self) -> int:
        return sum(t.duplicated for t in self.tallies)

    def complete(self) -> bool:
        return self.lost == 0

    def line(self, name: str) -> str:
        head = (f"[{name}] sent={self.expected} received={self.received} lost={self.lost} "
                f"duplicated={self.duplicated}")
        detail = " ".join(f"{t.kind}={t.distinct}/{t.expected}"
                          + (f"(+{t.duplicated})" if t.duplicated else "")
                          for t in self.tallies)
        return f"{head}\n    {detail}"

    def by_kind(self) -> dict[str, Tally]:
        return {t.kind: t for t in self.tallies}


def count(system, traffic) -> Effects:
    ids = set(traffic.ids)
    accepted = set(traffic.accepted)
    people = system.people
    referrer, handler = people["referrer"]["sub"], people["handler"]["sub"]
    engines = system.engines

    with engines["referrals"].connect() as conn:
        created = [str(r) for r in conn.execute(
            select(referrals.c.id).where(referrals.c.submitted_at >= traffic.started_at)
        ).scalars()]
        events = conn.execute(
            select(outbox.c.event_id, outbox.c.routing_key, outbox.c.envelope,
                   outbox.c.published_at)
            .where(outbox.c.routing_key.in_([SUBMITTED, ACCEPTED]),
                   outbox.c.created_at >= traffic.started_at)).all()
    by_transition: dict[tuple[str, str], str] = {}
    event_rows, relayed = [], []
    for row in events:
        referral_id = json.loads(row.envelope)["data"]["id"]
        key = (row.routing_key, referral_id)
        event_rows.append(key)
        by_transition.setdefault(key, row.event_id)
        if row.published_at is not None:
            relayed.append(key)
    transitions = {(SUBMITTED, r) for r in ids} | {(ACCEPTED, r) for r in accepted}
    event_ids = {by_transition[t] for t in transitions if t in by_transition}
    recipient = {by_transition[t]: (handler if t[0] == SUBMITTED else referrer)
                 for t in transitions if t in by_transition}

    with engines["registry"].connect() as conn:
        indicators = conn.execute(select(processed_events.c.event_id).where(
            processed_events.c.consumer == "registry.indicators",
            processed_events.c.event_id.in_(event_ids))).scalars().all()
        facts = [(str(r.referral_id), r.version) for r in conn.execute(
            select(referral_facts.c.referral_id, referral_facts.c.version)
            .where(referral_facts.c.referral_id.in_(ids)))]

    with engines["notifications"].connect() as conn:
        dispatched = conn.execute(select(processed_events.c.event_id).where(
            processed_events.c.consumer == "notifications.dispatch",
            processed_events.c.event_id.in_(event_ids))).scalars().all()
        inbox = [(r.event_id, str(r.member_id)) for r in conn.execute(
            select(inbox_items.c.event_id, inbox_items.c.member_id)
            .where(inbox_items.c.event_id.in_(event_ids)))]
        rows = conn.execute(
            select(deliveries.c.id, deliveries.c.event_id, deliveries.c.recipient_key,
                   deliveries.c.channel, deliveries.c.status)
            .where(deliveries.c.event_id.in_(event_ids))).all()

    expected_deliveries = set()
    for event_id, member in recipient.items():
        expected_deliveries |= {(event_id, member, "in_app"), (event_id, member, "email"),
                                (event_id, system.subscription_id, "webhook")}
    delivery_keys = [(r.event_id, r.recipient_key, r.channel) for r in rows]
    mailed, called = system.mailbox.counts(), system.receiver.counts()
    received = {**mailed, **called}
    # `uncertain`: the worker died while the message was going out, so it is not sent
    # again (at most once). The sinks say whether it arrived: if it did, it is delivered.
    sent_keys = [(r.event_id, r.recipient_key, r.channel) for r in rows
                 if r.status == "sent" or (r.status == "uncertain" and received.get(str(r.id)))]
    emails = {str(r.id) for r in rows if r.channel == "email"
              and (r.event_id, r.recipient_key, r.channel) in expected_deliveries}
    hooks = {str(r.id) for r in rows if r.channel == "webhook"
             and (r.event_id, r.recipient_key, r.channel) in expected_deliveries}

    final_version = {r: 2 if r in accepted else 1 for r in ids}
    return Effects([
        # Rows created since the start that the GP was never told about are duplicates
        # of a retried submission.
        Tally("referral", len(ids), len(ids & set(created)), len(created)),
        _tally("event", transitions, event_rows),
        _tally("relayed", transitions, relayed),
        _tally("indicators.processed", event_ids | _missing(transitions, by_transition),
               indicators),
        _tally("indicator_fact", {(r, v) for r, v in final_version.items()}, facts),
        _tally("dispatch.processed", event_ids | _missing(transitions, by_transition),
               dispatched),
        _tally("inbox", set(recipient.items()) | _missing(transitions, by_transition), inbox),
        _tally("delivery", expected_deliveries | _missing3(transitions, by_transition),
               delivery_keys),
        _tally("delivered", expected_deliveries | _missing3(transitions, by_transition),
               sent_keys),
        # One e-mail and one webhook call per transition (a missing delivery row is lost too).
        Tally("email", len(transitions), sum(1 for d in emails if mailed[d]),
              sum(mailed[d] for d in emails)),
        Tally("webhook", len(transitions), sum(1 for d in hooks if called[d]),
              sum(called[d] for d in hooks)),
    ])


def _missing(transitions, by_transition) -> set:
    """Placeholders for transitions with no event at all: counted lost downstream too."""
    return {("missing", t) for t in transitions if t not in by_transition}


def _missing3(transitions, by_transition) -> set:
    return {("missing", t, channel) for t in transitions if t not in by_transition
            for channel in ("in_app", "email", "webhook")}


COUNTED: list[str] = []  # each test's final count line, for the suite's summary


def record(effects: Effects, name: str, recovery: float) -> None:
    first = effects.line(name).split("\n")[0]
    COUNTED.append(f"{first}  recovery={recovery:.1f}s")


def settle(system, traffic, name: str, *, recovered_at: float, bound: float) -> Effects:
    """Wait (bounded) until every effect is there, measure the recovery, let late
    redeliveries come back and be skipped, then count, print and assert."""
    def complete():
        try:
            effects = count(system, traffic)
        except Exception:  # a database still restarting  # noqa: BLE001
            return None
        return effects if effects.complete() else None

    try:
        wait_until(complete, timeout=bound, interval=0.5, message=f"every effect ({name})")
    except AssertionError:
        print(count(system, traffic).line(name), traffic.summary(), system.broker_state(),
              system.logs(), sep="\n")
        raise
    recovery = time.monotonic() - recovered_at
    system.wait_quiet(timeout=60, message="redeliveries consumed and acked")
    effects = count(system, traffic)
    print(f"\n{effects.line(name)}\n    recovery={recovery:.1f}s (bound {bound:.0f}s) "
          f"{traffic.summary()}")
    record(effects, name, recovery)
    assert effects.lost == 0, effects.line(name)
    assert effects.duplicated == 0, effects.line(name)
    assert recovery < bound
    dead = system.dead_processes()
    assert not dead, [f"{p.name}: {p.output()[-2000:]}" for p in dead]
    return effects
