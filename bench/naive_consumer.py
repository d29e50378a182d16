"""The naive path's consumer: raw kombu, one insert per message, no idempotency.

`python -m bench.naive_consumer` (BENCH_DATABASE_URL, BENCH_REDIS_URL, BENCH_KEY_PREFIX);
stops on SIGTERM.
"""

from __future__ import annotations

import os
import signal
import uuid
from datetime import UTC, datetime

from kombu.mixins import ConsumerMixin
from sqlalchemy import insert

from bench.reference_app import QUEUE, connection_from_env, naive_inbox
from shared.db import make_engine


class NaiveConsumer(ConsumerMixin):
    def __init__(self, connection, engine):
        self.connection = connection
        self.engine = engine

    def get_consumers(self, Consumer, channel):  # noqa: N803  (kombu's signature)
        return [Consumer(queues=[QUEUE], callbacks=[self.on_message], accept=["json"],
                         prefetch_count=16)]

    def on_message(self, body, message):
        with self.engine.begin() as conn:
            conn.execute(insert(naive_inbox).values(
                referral_id=uuid.UUID(body["referral_id"]), created_at=datetime.now(UTC)))
        message.ack()

    def on_consume_ready(self, connection, channel, consumers, **kwargs):
        print("consumer.ready", flush=True)


def main() -> None:
    engine = make_engine(os.environ["BENCH_DATABASE_URL"])
    connection = connection_from_env()
    consumer = NaiveConsumer(connection, engine)

    def stop(_signum, _frame):
        consumer.should_stop = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    consumer.run()


if __name__ == "__main__":
    main()
