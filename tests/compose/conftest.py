"""Fixtures for the docker-compose deployment tests.

Two kinds of tests live here:

* ``test_compose_config.py`` needs no engine: it validates docker-compose.yml with
  ``docker-compose config`` (Debian's docker-compose 1.29) and inspects the result.
* ``test_stack_up.py`` brings the whole stack up with pytest-docker. The fixtures
  below override pytest-docker's so that the test is SKIPPED (with the reason) when
  there is no Docker engine, *before* any pytest-docker fixture runs a compose
  command, and so that the stack gets fake secrets, free host ports and is always
  torn down (``down -v``), even when ``up`` fails.
"""

from __future__ import annotations

import base64
import os
import shlex
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from pytest_docker.plugin import DockerComposeExecutor

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"

# Fake secrets for the tests (never used anywhere real).
FAKE_SECRETS = {
    "REDIS_PASSWORD": "test-redis-password",
    "POSTGRES_PASSWORD": "test-relais-db-password",
    "POSTGRES_ADMIN_PASSWORD": "test-postgres-admin-password",
    # Same shape as a Fernet key (urlsafe base64 of 32 bytes).
    "RELAIS_ENCRYPTION_KEYS": base64.urlsafe_b64encode(
        b"relais-compose-test-key-32-bytes"
    ).decode(),
    # HMAC key of the blind index (at least 16 bytes).
    "RELAIS_BLIND_INDEX_KEY": "relais-compose-test-blind-index-key",
    # The portal refuses a key shorter than 32 characters.
    "RELAIS_PORTAL_SECRET_KEY": "relais-compose-test-portal-secret-key-0123456789",
}


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def fake_secrets() -> dict[str, str]:
    return dict(FAKE_SECRETS)


# ---------------------------------------------------------------------------------------
# pytest-docker overrides (session scope, like the originals)
# ---------------------------------------------------------------------------------------


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # `docker info` prints the client section on stdout and the daemon error on stderr;
    # the most useful line is usually the one mentioning the daemon.
    for line in lines:
        if "daemon" in line.lower() or "error" in line.lower():
            return line
    return lines[0] if lines else "(no output)"


@pytest.fixture(scope="session")
def docker_engine() -> str:
    """The `docker` CLI path, or SKIP when no engine answers `docker info`."""
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no Docker engine: `docker info` failed: the docker CLI is not installed")
    try:
        proc = subprocess.run(
            [docker, "info"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"no Docker engine: `docker info` failed: {exc}")
    if proc.returncode != 0:
        pytest.skip(f"no Docker engine: `docker info` failed: {_first_line(proc.stderr)}")
    return docker


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def stack_env_file(docker_engine: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An env file for the test stack: fake secrets, free host ports, a test image tag.

    Passed with `--env-file`, so an operator's real `.env` is never read. (Variables
    exported in the shell still win over it, as compose always does.)
    """
    ports = {
        "REGISTRY_API_PORT": _free_port(),
        "REFERRALS_API_PORT": _free_port(),
        "NOTIFICATIONS_API_PORT": _free_port(),
        "MAILPIT_UI_PORT": _free_port(),
        "PORTAL_PORT": _free_port(),
    }
    values = {
        **FAKE_SECRETS,
        **{name: str(port) for name, port in ports.items()},
        "RELAIS_IMAGE_TAG": "pytest",
        "RELAIS_LOG_LEVEL": "INFO",
        "REGISTRY_PUBLIC_URL": f"http://127.0.0.1:{ports['REGISTRY_API_PORT']}",
        "REFERRALS_PUBLIC_URL": f"http://127.0.0.1:{ports['REFERRALS_API_PORT']}",
        "NOTIFICATIONS_PUBLIC_URL": f"http://127.0.0.1:{ports['NOTIFICATIONS_API_PORT']}",
        "PORTAL_PUBLIC_URL": f"http://127.0.0.1:{ports['PORTAL_PORT']}",
        # The test talks plain HTTP to the portal (no TLS proxy in front).
        "RELAIS_PORTAL_COOKIE_SECURE": "false",
    }
    path = tmp_path_factory.mktemp("compose") / "stack.env"
    path.write_text("".join(f"{key}={value}\n" for key, value in values.items()))
    return path


@pytest.fixture(scope="session")
def docker_compose_command(docker_engine: str, stack_env_file: Path) -> str:
    """`docker compose` (v2 plugin) when available, else `docker-compose` (v1.29)."""
    env_file = f"--env-file {shlex.quote(str(stack_env_file))}"
    v2 = subprocess.run(
        [docker_engine, "compose", "version"], capture_output=True, text=True, check=False
    )
    if v2.returncode == 0:
        return f"{shlex.quote(docker_engine)} compose {env_file}"
    v1 = shutil.which("docker-compose")
    if v1 is not None:
        return f"{shlex.quote(v1)} {env_file}"
    pytest.fail(
        "a Docker engine answers but neither `docker compose` nor `docker-compose` is "
        "installed (apt-get install -y docker-compose)"
    )


@pytest.fixture(scope="session")
def docker_compose_file() -> str:
    return str(COMPOSE_FILE)


@pytest.fixture(scope="session")
def docker_compose_project_name() -> str:
    return f"relais-test-{os.getpid()}"


@pytest.fixture(scope="session")
def docker_setup() -> list[str]:
    # `up -d` (not pytest-docker's `--wait`, which docker-compose 1.29 lacks) still
    # honours depends_on conditions; test_stack_up waits, bounded, for health itself.
    return ["up -d --build"]


@pytest.fixture(scope="session")
def docker_cleanup() -> list[str]:
    # Done by `relais_stack` instead, which also cleans up when `up` itself fails
    # (pytest-docker only cleans up after a successful setup).
    return []


@pytest.fixture(scope="session")
def compose(
    docker_compose_command: str, docker_compose_file: str, docker_compose_project_name: str
) -> DockerComposeExecutor:
    """Runs compose subcommands against the test project: `compose.execute("ps -a -q")`."""
    return DockerComposeExecutor(
        docker_compose_command, docker_compose_file, docker_compose_project_name
    )


@pytest.fixture(scope="session")
def relais_stack(
    request: pytest.FixtureRequest, docker_engine: str, compose: DockerComposeExecutor
):
    """The whole stack, up (pytest-docker's `docker_services`); always removed afterwards."""

    def tear_down() -> None:
        compose.execute("down -v --remove-orphans --timeout 20", success_codes=range(256))

    request.addfinalizer(tear_down)  # registered first, so it runs last
    return request.getfixturevalue("docker_services")
