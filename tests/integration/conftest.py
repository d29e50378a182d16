import pytest

from shared.db import make_engine, make_session_factory
from shared.messaging.topology import broker_connection
from tests.integration import messaging_app


class MessagingRig:
    """One test's database + broker prefix, with the env to give worker processes."""

    def __init__(self, database_url: str, redis_url: str, prefix: str):
        self.database_url = database_url
        self.redis_url = redis_url
        self.prefix = prefix
        self.engine = make_engine(database_url)
        messaging_app.create_schema(self.engine)
        self.session_factory = make_session_factory(self.engine)
        self.declare()

    def connection(self):
        return broker_connection(self.redis_url, visibility_timeout=3, key_prefix=self.prefix)

    def declare(self):
        with self.connection() as conn:
            messaging_app.TOPOLOGY.declare(conn)

    def env(self, **extra) -> dict[str, str]:
        return {
            "RELAIS_DATABASE_URL": self.database_url,
            "RELAIS_REDIS_URL": self.redis_url,
            "RELAIS_BROKER_KEY_PREFIX": self.prefix,
            "RELAIS_BROKER_VISIBILITY_TIMEOUT": "3",
            "RELAIS_RETRY_BASE_DELAY": "0.05",
            "RELAIS_RETRY_MAX_ATTEMPTS": "3",
            "RELAIS_LOG_LEVEL": "INFO",
            "RELAIS_WORKER_HEARTBEAT_FILE": f"var/test-{self.prefix.strip(':')}.heartbeat",
            **{k: str(v) for k, v in extra.items()},
        }

    def produce(self, values):
        return messaging_app.produce(self.session_factory, values)

    def effects(self):
        return messaging_app.effect_counts(self.session_factory)

    def pending(self):
        return messaging_app.pending_outbox(self.session_factory)


@pytest.fixture
def rig(postgres_url, redis_url, broker_prefix):
    rig = MessagingRig(postgres_url, redis_url, broker_prefix)
    yield rig
    rig.engine.dispose()


@pytest.fixture
def processes():
    started = []

    def start(*args, env, name="worker"):
        from shared.testing.processes import ManagedProcess
        proc = ManagedProcess.python("tests.integration.messaging_app", *args, env=env, name=name)
        started.append(proc)
        return proc.start()

    yield start
    for proc in started:
        if proc.alive():
            print(f"--- {proc.name} log (tail) ---\n{proc.output()[-3000:]}")
        proc.cleanup()
