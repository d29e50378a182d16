"""The notifications worker as a real process: events from Redis become e-mails,
sent by its periodic dispatcher, and its own events leave through its outbox."""

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from services.notifications.store.tables import deliveries
from shared.db import make_engine, make_session_factory
from shared.events import new_event, to_envelope
from shared.messaging.schema import outbox
from shared.messaging.topology import TOPOLOGY, broker_connection
from shared.migrations import upgrade
from shared.testing.processes import ManagedProcess
from shared.testing.servers import wait_until
from tests.integration.notifications.conftest import MIGRATIONS

pytestmark = pytest.mark.integration


def publish(connection, event):
    exchange = TOPOLOGY.exchange_for_type(event.type)
    with connection.Producer(serializer="json") as producer:
        producer.publish(to_envelope(event), exchange=exchange, routing_key=event.type,
                         declare=[exchange], delivery_mode=2)


def test_the_worker_turns_events_into_emails_and_announces_them(
        postgres_url, redis_url, broker_prefix, mailbox, tmp_path):
    upgrade(MIGRATIONS, postgres_url)
    env = {"RELAIS_DATABASE_URL": postgres_url, "RELAIS_REDIS_URL": redis_url,
           "RELAIS_BROKER_KEY_PREFIX": broker_prefix, "RELAIS_BROKER_VISIBILITY_TIMEOUT": "3",
           "RELAIS_SMTP_HOST": "127.0.0.1", "RELAIS_SMTP_PORT": str(mailbox.port),
           "RELAIS_DISPATCH_EVERY_SECONDS": "0.2", "RELAIS_LOG_JSON": "false",
           "RELAIS_WORKER_HEARTBEAT_FILE": str(tmp_path / "worker.heartbeat")}
    worker = ManagedProcess.python("services.notifications", "worker", env=env,
                                   name="notifications-worker").start()
    try:
        wait_until(lambda: "consumer.ready" in worker.output(), timeout=30,
                   message="the worker consuming")
        member, organisation = uuid.uuid4(), uuid.uuid4()
        with broker_connection(redis_url, visibility_timeout=3,
                               key_prefix=broker_prefix) as connection:
            publish(connection, new_event("registry.member.created", {
                "id": member, "version": 1, "organisation_id": organisation,
                "roles": ["referrer"], "active": True, "email": "ref@example.org",
                "display_name": "Alice Bernard"}))
            publish(connection, new_event("referrals.referral.accepted", {
                "id": uuid.uuid4(), "version": 2, "beneficiary_id": uuid.uuid4(),
                "need_category": "housing", "commune": "97408", "urgency": "normal",
                "status": "accepted", "referrer_member_id": member,
                "referrer_organisation_id": organisation,
                "receiving_organisation_id": uuid.uuid4(),
                "occurred_at": datetime.now(UTC)}))
        wait_until(lambda: mailbox.messages, timeout=30, message="the e-mail")
        assert mailbox.messages[0]["to"] == ["ref@example.org"]
        engine = make_engine(postgres_url)
        sessions = make_session_factory(engine)

        def announced():
            with sessions() as session:
                return session.execute(select(outbox.c.routing_key).where(
                    outbox.c.published_at.isnot(None))).scalars().all()

        wait_until(lambda: announced().count("notifications.delivery.delivered") == 2,
                   timeout=30, message="delivered events relayed")
        with sessions() as session:
            assert {row.status for row in session.execute(select(deliveries))} == {"sent"}
        engine.dispose()
    finally:
        if worker.alive():
            print(worker.output()[-3000:])
        assert worker.terminate() == 0
        worker.cleanup()
