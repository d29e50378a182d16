"""The services as real processes, started the way `make run` starts them
(gunicorn APIs, workers), on free ports, against PostgreSQL and Redis."""

from __future__ import annotations

import subprocess
import sys

import requests

from shared.testing.processes import ROOT, ManagedProcess
from shared.testing.servers import free_port, wait_until

SERVICES = ("registry", "referrals", "notifications")


class LocalStack:
    """`extra_env` adds or overrides variables per service name (e.g. the notifications
    worker's SMTP server); the defaults are those of `make run` on free ports."""

    def __init__(self, *, database_urls: dict[str, str], redis_url: str, prefix: str, tmp_path,
                 extra_env: dict[str, dict[str, str]] | None = None):
        self.ports = {name: free_port() for name in SERVICES}
        self.urls = {name: f"http://127.0.0.1:{port}" for name, port in self.ports.items()}
        common = {
            "RELAIS_REDIS_URL": redis_url,
            "RELAIS_BROKER_KEY_PREFIX": prefix,
            "RELAIS_BROKER_VISIBILITY_TIMEOUT": "5",
            "RELAIS_JWKS_URL": f"{self.urls['registry']}/.well-known/jwks.json",
            "RELAIS_SIGNING_KEY_DIR": str(tmp_path / "keys"),
            "RELAIS_WEB_WORKERS": "1",
        }
        self.env = {
            name: {**common, "RELAIS_DATABASE_URL": database_urls[name],
                   "RELAIS_BIND": f"127.0.0.1:{self.ports[name]}",
                   "RELAIS_WORKER_HEARTBEAT_FILE": str(tmp_path / f"{name}.heartbeat"),
                   **(extra_env or {}).get(name, {})}
            for name in SERVICES
        }
        self.processes: list[ManagedProcess] = []

    def cli(self, service: str, *args: str) -> str:
        return subprocess.run(
            [sys.executable, "-m", f"services.{service}", *args], cwd=ROOT, check=True,
            env={**ManagedProcess([]).env, **self.env[service]}, capture_output=True, text=True,
        ).stdout.strip()

    def start(self) -> LocalStack:
        for name in SERVICES:
            self.cli(name, "migrate")
        for name in SERVICES:
            gunicorn = [sys.executable, "-m", "gunicorn", "-c", f"services/{name}/gunicorn.conf.py",
                        f"services.{name}.app:create_app()"]
            self.processes.append(ManagedProcess(gunicorn, env=self.env[name],
                                                 name=f"{name}-api").start())
            self.processes.append(ManagedProcess.python(f"services.{name}", "worker",
                                                        env=self.env[name],
                                                        name=f"{name}-worker").start())
        for name in SERVICES:
            wait_until(lambda n=name: _ready(self.urls[n]), timeout=60, message=f"{name} ready")
        for process in self.processes:
            if process.name.endswith("-worker"):
                wait_until(lambda p=process: "consumer.ready" in p.output(), timeout=60,
                           message=f"{process.name} consuming")
        return self

    def token(self, *roles: str, member="e2e-member", organisation=None) -> dict[str, str]:
        args = ["issue-token", "--member", member, *sum((["--role", r] for r in roles), [])]
        if organisation:
            args += ["--organisation", organisation]
        return {"Authorization": f"Bearer {self.cli('registry', *args)}"}

    def stop(self) -> None:
        for process in self.processes:
            code = process.terminate()
            if code not in (0, None):
                print(f"--- {process.name} exited {code} ---\n{process.output()[-3000:]}")
            process.cleanup()


def _ready(url: str) -> bool:
    try:
        return requests.get(f"{url}/readyz", timeout=2).status_code == 200
    except requests.RequestException:
        return False
