"""The reference processes: the bare "hello" app, the naive app and its raw kombu
consumer, on free ports, with their own database and the bench's Redis prefix."""

from __future__ import annotations

import sys

from bench.reference_app import create_tables
from bench.stack import WEB_THREADS, WEB_WORKERS, wait_http
from shared.testing.processes import ManagedProcess
from shared.testing.servers import free_port, wait_until


class References:
    def __init__(self, stack):
        self.stack = stack
        self.processes: list[ManagedProcess] = []
        self.urls: dict[str, str] = {}

    def start(self) -> References:
        database_url = self.stack.databases.create("naive")
        create_tables(database_url)
        env = {"BENCH_DATABASE_URL": database_url, "BENCH_REDIS_URL": self.stack.redis_url,
               "BENCH_KEY_PREFIX": self.stack.prefix, "RELAIS_WEB_WORKERS": WEB_WORKERS,
               "RELAIS_WEB_THREADS": WEB_THREADS}
        for kind in ("hello", "naive"):
            port = free_port()
            self.urls[kind] = f"http://127.0.0.1:{port}"
            self.processes.append(ManagedProcess(
                [sys.executable, "-m", "gunicorn", "-c", "bench/gunicorn_reference.py",
                 f'bench.reference_app:create_app("{kind}")'],
                env={**env, "RELAIS_BIND": f"127.0.0.1:{port}"}, name=f"{kind}-api").start())
        consumer = ManagedProcess.python("bench.naive_consumer", env=env, name="naive-consumer")
        self.processes.append(consumer.start())
        wait_http(f"{self.urls['hello']}/hello")
        wait_http(f"{self.urls['naive']}/naive/inbox")
        wait_until(lambda: "consumer.ready" in consumer.output(), timeout=60,
                   message="the naive consumer")
        return self

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.terminate(timeout=20)
            process.cleanup()
        self.processes.clear()
