"""The servers a fault test breaks on purpose, all private to the test run: a
PostgreSQL cluster of its own (never the machine's on 5432), a real SMTP server
(aiosmtpd) that can answer 451, and a webhook receiver that can go down."""

from __future__ import annotations

import asyncio
import email
import glob
import json
import shutil
import subprocess
import tempfile
import threading
from collections import Counter
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, text

from shared.testing.servers import ServerUnavailable, free_port


class PrivatePostgres:
    """A throw-away PostgreSQL cluster (initdb) on a free port, in a temporary folder
    owned by `postgres` (PostgreSQL refuses to run as root). Restartable at will."""

    def __init__(self):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise ServerUnavailable("PostgreSQL server binaries not found under "
                                    "/usr/lib/postgresql/*/bin (apt-get install postgresql)")
        self.bin = Path(found[-1]).parent
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="relais-faults-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        shutil.chown(self.root, "postgres", "postgres")

    def _as_postgres(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(["runuser", "-u", "postgres", "--", *args], check=check,
                              capture_output=True, text=True, timeout=120)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> PrivatePostgres:
        self._as_postgres(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust",
                          "-U", "postgres", "-E", "UTF8", "--no-sync")
        return self

    def start(self) -> PrivatePostgres:
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                   "-c max_connections=200")
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options,
                          "-l", str(self.log), "-w", "-t", "60", "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        """`fast`: connections terminated, clean shutdown; `immediate`: like a crash."""
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w",
                          "-t", "60", "stop", check=False)

    def create_database(self, name: str) -> str:
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return self.url(name)

    def cleanup(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


class Mailbox:
    """An aiosmtpd handler that keeps every message it accepts (with its Message-ID,
    the delivery id) and answers 451 to DATA while `failing` is set."""

    def __init__(self):
        self.failing = False
        self.hold, self.holding = threading.Event(), threading.Event()
        self.refused = 0
        self.received: list[dict] = []
        self.lock = threading.Lock()
        self.controller: Controller | None = None
        self.port = free_port()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        if self.failing:
            with self.lock:
                self.refused += 1
            return "451 4.3.0 Temporary failure, try again later"
        if self.hold.is_set():  # the test wants the sender caught mid-send
            self.holding.set()
            while self.hold.is_set():
                await asyncio.sleep(0.02)
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.received.append({"to": list(envelope.rcpt_tos),
                                  "message_id": str(message["Message-ID"]).strip("<>")
                                  .split("@", 1)[0],
                                  "subject": str(message["Subject"])})
        return "250 OK"

    def start(self) -> Mailbox:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None

    def counts(self) -> Counter:
        """Messages received per delivery id."""
        with self.lock:
            return Counter(m["message_id"] for m in self.received)


class WebhookReceiver:
    """A webhook endpoint over real HTTP on a fixed port; stop() makes it unreachable
    (connection refused), start() brings it back on the same port."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hooks/relais"
        self.received: list[dict] = []
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    def start(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with receiver.lock:
                    receiver.received.append({"delivery_id": self.headers["X-Relais-Delivery"],
                                              "event_id": body["event_id"],
                                              "type": body["type"]})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def up(self) -> bool:
        return self.server is not None

    def counts(self) -> Counter:
        """Requests received per delivery id."""
        with self.lock:
            return Counter(r["delivery_id"] for r in self.received)
