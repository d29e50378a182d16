"""A minimal service used by the reliability tests, run as a real process.

Its effect is one row in `effects` per handled event, deliberately WITHOUT a
unique key: a duplicated effect shows up as two rows, so the tests can count it.
Usage: python -m tests.integration.messaging_app {worker|relay|dead-letters ...}
Configured like any service through RELAIS_* variables.
"""

from __future__ import annotations

import os
import sys
import time

import click
from marshmallow import Schema, fields
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select

from shared.db import make_engine, make_session_factory
from shared.events import new_event
from shared.events.catalog import event_type, known_types
from shared.logging import configure_logging
from shared.messaging.cli import dead_letters_command
from shared.messaging.consumer import EventConsumer
from shared.messaging.outbox import publish
from shared.messaging.relay import OutboxRelay
from shared.messaging.schema import create_messaging_tables, outbox
from shared.messaging.topology import Topology, broker_connection
from shared.messaging.worker import run_worker
from shared.settings import ServiceSettings, load_settings

EVENT_TYPE = "relais_test.item.recorded"
QUEUE = "relais_test.effects"
TOPOLOGY = Topology(producers=("relais_test",), subscriptions={QUEUE: ("relais_test.#",)})

if EVENT_TYPE not in known_types():
    @event_type(EVENT_TYPE)
    class ItemRecordedSchema(Schema):
        value = fields.Integer(required=True)

metadata = MetaData()
effects = Table("effects", metadata,
                Column("id", Integer, primary_key=True, autoincrement=True),
                Column("event_id", String(36), nullable=False),
                Column("value", Integer, nullable=False))
poisoned_values = Table("poisoned_values", metadata, Column("value", Integer, primary_key=True))


def create_schema(engine) -> None:
    create_messaging_tables(engine)
    metadata.create_all(engine)


def record_effect(session, event) -> None:
    value = event.data["value"]
    if session.execute(select(poisoned_values).where(poisoned_values.c.value == value)).first():
        raise RuntimeError(f"poisoned value {value}")
    session.execute(insert(effects).values(event_id=event.id, value=value))
    delay = float(os.environ.get("TEST_HANDLER_DELAY", "0"))
    if delay:
        time.sleep(delay)


class CrashingConsumer(EventConsumer):
    """Dies (os._exit) after committing the effect of one value, before acking it."""

    crash_value = int(os.environ.get("TEST_CRASH_AFTER_EFFECT_OF", "-1"))

    def on_message(self, body, message):
        self.processor.process(body)
        if isinstance(body, dict) and body.get("data", {}).get("value") == self.crash_value:
            sys.stdout.write(f"crashing before ack of value {self.crash_value}\n")
            sys.stdout.flush()
            os._exit(3)
        message.ack()


def produce(session_factory, values) -> list[str]:
    """Commit one event per value through the outbox; return their ids."""
    ids = []
    with session_factory.begin() as session:
        for value in values:
            event = new_event(EVENT_TYPE, {"value": value}, subject=str(value))
            publish(session, event)
            ids.append(event.id)
    return ids


def effect_counts(session_factory) -> tuple[int, int]:
    """(effect rows, distinct events with an effect)."""
    with session_factory() as session:
        rows = session.execute(select(func.count()).select_from(effects)).scalar_one()
        distinct = session.execute(
            select(func.count(func.distinct(effects.c.event_id)))).scalar_one()
    return rows, distinct


def pending_outbox(session_factory) -> int:
    with session_factory() as session:
        return session.execute(select(func.count()).select_from(outbox)
                               .where(outbox.c.published_at.is_(None))).scalar_one()


def _settings() -> ServiceSettings:
    return load_settings(ServiceSettings)


@click.group()
def cli():
    pass


@cli.command()
def worker():
    settings = _settings()
    configure_logging("relais_test", settings.log_level)
    run_worker(settings, queue=QUEUE, handlers={EVENT_TYPE: record_effect}, topology=TOPOLOGY,
               consumer_class=CrashingConsumer)


@cli.command()
@click.option("--batch-size", default=50)
def relay(batch_size):
    """Only the outbox relay (the two-relays test runs two of these)."""
    settings = _settings()
    configure_logging("relais_test", settings.log_level)
    engine = make_engine(settings.database_url)
    relay = OutboxRelay(
        session_factory=make_session_factory(engine), topology=TOPOLOGY, batch_size=batch_size,
        connection_factory=lambda: broker_connection(
            settings.redis_url, visibility_timeout=settings.broker_visibility_timeout,
            key_prefix=settings.broker_key_prefix))
    import signal
    signal.signal(signal.SIGTERM, lambda *_: relay.stop())
    sent = 0
    original = relay.relay_batch

    def counting_batch():
        nonlocal sent
        count = original()
        sent += count
        return count

    relay.relay_batch = counting_batch
    relay.run()
    print(f"relay sent {sent}", flush=True)


cli.add_command(dead_letters_command(lambda: make_session_factory(
    make_engine(_settings().database_url))))

if __name__ == "__main__":
    cli()
