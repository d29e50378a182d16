"""The whole docker-compose stack comes up healthy (needs a Docker engine).

SKIPPED, with the reason, when `docker info` fails (see conftest.docker_engine).
The stack gets fake secrets and free host ports (conftest.stack_env_file) and is
removed with its volumes afterwards. Bound: RELAIS_STACK_TIMEOUT seconds (default 300)
after `up -d --build` returns.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.request

import pytest
import yaml

pytestmark = pytest.mark.compose

TIMEOUT = float(os.environ.get("RELAIS_STACK_TIMEOUT", "300"))
# Every HTTP service: the three APIs and the portal (its /readyz checks Redis).
HTTP_SERVICES = ("registry-api", "referrals-api", "notifications-api", "portal")


def _readyz(port: int) -> tuple[int | None, str]:
    url = f"http://127.0.0.1:{port}/readyz"
    try:
        with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 (fixed http URL)
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(300).decode(errors="replace")
    except OSError as exc:
        return None, str(exc)


def _state(docker: str, container_id: str) -> dict:
    out = subprocess.run(
        [docker, "inspect", "--format", "{{json .State}}", container_id],
        capture_output=True,
        text=True,
        check=False,
    )
    return json.loads(out.stdout) if out.returncode == 0 and out.stdout.strip() else {}


def test_whole_stack_becomes_healthy(docker_engine, relais_stack, compose, docker_compose_file):
    with open(docker_compose_file) as handle:
        services = yaml.safe_load(handle)["services"]
    one_shot = {name for name, svc in services.items() if str(svc.get("restart", "no")) == "no"}
    ports = {name: relais_stack.port_for(name, 8000) for name in HTTP_SERVICES}

    deadline = time.monotonic() + TIMEOUT
    while True:
        problems: dict[str, str] = {}
        for name in services:
            ids = compose.execute(f"ps -a -q {name}").decode().split()
            ids = [i for i in ids if len(i) >= 12 and all(c in "0123456789abcdef" for c in i)]
            if not ids:
                problems[name] = "no container"
                continue
            state = _state(docker_engine, ids[-1])
            if name in one_shot:
                if state.get("Status") != "exited" or state.get("ExitCode") != 0:
                    problems[name] = f"{state.get('Status')} exit={state.get('ExitCode')}"
            else:
                health = (state.get("Health") or {}).get("Status")
                if state.get("Status") != "running" or health != "healthy":
                    problems[name] = f"{state.get('Status')} health={health}"
        for name, port in ports.items():
            status, detail = _readyz(port)
            if status != 200:
                problems[f"{name} /readyz"] = f"{status} {detail}".strip()
        if not problems:
            return
        if time.monotonic() > deadline:
            failing = " ".join(sorted(n for n in problems if n in services))
            logs = compose.execute(
                f"logs --no-color --tail 40 {failing}", success_codes=range(256)
            ).decode(errors="replace")
            pytest.fail(
                f"stack not healthy after {TIMEOUT:.0f}s: {problems}\n--- logs ---\n{logs}",
                pytrace=False,
            )
        time.sleep(3)
