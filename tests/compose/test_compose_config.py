"""docker-compose.yml and its infra/ files are a valid, safe deployment (no engine needed).

Uses Debian's `docker-compose` 1.29 (`apt-get install -y docker-compose`), which
validates and resolves a compose file without a Docker engine. Not installed is a
FAILURE, not a skip: a skip would hide a broken deliverable.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.compose

SERVICES = ("registry", "referrals", "notifications")
API_PORTS = {"registry": 8001, "referrals": 8002, "notifications": 8003}
PORTAL = "portal"  # the web UI: one gunicorn container, no database, no worker
PORTAL_PORT = 8000
BACKING = ("redis", "postgres", "mailpit")
REQUIRED_VARS = (
    "REDIS_PASSWORD",
    "POSTGRES_PASSWORD",
    "POSTGRES_ADMIN_PASSWORD",
    "RELAIS_ENCRYPTION_KEYS",
    "RELAIS_BLIND_INDEX_KEY",
    "RELAIS_PORTAL_SECRET_KEY",
)
INSTALL_HINT = (
    "docker-compose is not installed: `apt-get install -y docker-compose` "
    "(Debian's docker-compose 1.29 validates the compose file without a Docker engine; "
    "`make` installs it)"
)
OK_CONDITIONS = {"service_healthy", "service_completed_successfully"}


# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------


def _compose_cli() -> str:
    path = shutil.which("docker-compose")
    if path is None:
        pytest.fail(INSTALL_HINT, pytrace=False)
    return path


def _interpolated_names(compose_text: str) -> set[str]:
    return set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", compose_text))


def _run_compose(
    repo_root: Path, tmp_path: Path, env_vars: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    """Run docker-compose on the repo's file with exactly `env_vars` as compose variables.

    The caller's shell variables named in the compose file are removed and an empty
    --env-file replaces the project's `.env`, so an operator's real `.env` or exported
    secrets can neither leak into nor mask the result.
    """
    compose_file = repo_root / "docker-compose.yml"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in _interpolated_names(compose_file.read_text())
        and not key.startswith("COMPOSE_")
    }
    env.update(env_vars)
    empty_env_file = tmp_path / "empty.env"
    empty_env_file.write_text("")
    return subprocess.run(
        [_compose_cli(), "--env-file", str(empty_env_file), "-f", str(compose_file), *args],
        cwd=repo_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def resolved(repo_root: Path, fake_secrets: dict[str, str], tmp_path_factory) -> dict:
    """`docker-compose config` output (variables, anchors and paths resolved), parsed."""
    proc = _run_compose(repo_root, tmp_path_factory.mktemp("cfg"), fake_secrets, "config")
    assert proc.returncode == 0, f"docker-compose config failed:\n{proc.stderr}"
    return yaml.safe_load(proc.stdout)


@pytest.fixture(scope="module")
def services(resolved: dict) -> dict[str, dict]:
    return resolved["services"]


def _one_shot(service: dict) -> bool:
    return str(service.get("restart", "no")) == "no"


# ---------------------------------------------------------------------------------------
# the file is valid, and refuses to run without its secrets
# ---------------------------------------------------------------------------------------


def test_docker_compose_is_installed() -> None:
    _compose_cli()


def test_config_is_valid_with_required_variables(repo_root, fake_secrets, tmp_path) -> None:
    proc = _run_compose(repo_root, tmp_path, fake_secrets, "config", "-q")
    assert proc.returncode == 0, f"`docker-compose config -q` failed:\n{proc.stderr}"


@pytest.mark.parametrize("missing", REQUIRED_VARS)
def test_config_fails_naming_a_missing_secret(repo_root, fake_secrets, tmp_path, missing) -> None:
    env = {key: value for key, value in fake_secrets.items() if key != missing}
    proc = _run_compose(repo_root, tmp_path, env, "config", "-q")
    assert proc.returncode != 0, f"compose accepted the file without {missing}"
    assert missing in proc.stderr, f"the error does not name {missing}:\n{proc.stderr}"


def test_every_secret_is_required_and_documented(repo_root) -> None:
    text = "\n".join(
        line
        for line in (repo_root / "docker-compose.yml").read_text().splitlines()
        if not line.lstrip().startswith("#")
    )
    required = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*):\?", text))
    assert required == set(REQUIRED_VARS)
    # No secret with a silent default (`${X:-...}` / `${X-...}`).
    for name in REQUIRED_VARS:
        assert not re.search(rf"\$\{{{name}:?-", text), f"{name} has a default value"
    readme = (repo_root / "infra" / "README.md").read_text()
    for name in REQUIRED_VARS:
        assert name in readme, f"infra/README.md does not document {name}"


# ---------------------------------------------------------------------------------------
# services, health and start order
# ---------------------------------------------------------------------------------------


def test_expected_services(services) -> None:
    expected = (
        set(BACKING)
        | {PORTAL}
        | {f"{name}-{role}" for name in SERVICES for role in ("migrate", "api", "worker")}
    )
    assert set(services) == expected


def test_every_long_running_service_has_a_healthcheck_and_restarts(services) -> None:
    for name, service in services.items():
        if name.endswith("-migrate"):
            assert _one_shot(service), f"{name} is one-shot: restart must be 'no'"
            continue
        healthcheck = service.get("healthcheck") or {}
        assert healthcheck.get("test"), f"{name} has no healthcheck"
        assert not healthcheck.get("disable"), f"{name} disables its healthcheck"
        assert service.get("restart") in {"always", "unless-stopped", "on-failure"}, name


def test_every_depends_on_uses_a_sound_condition(services) -> None:
    for name, service in services.items():
        depends_on = service.get("depends_on") or {}
        assert isinstance(depends_on, dict), f"{name}: depends_on must use conditions"
        for target, spec in depends_on.items():
            condition = (spec or {}).get("condition")
            assert condition in OK_CONDITIONS, f"{name} -> {target}: condition {condition!r}"
            if condition == "service_healthy":
                assert services[target].get("healthcheck", {}).get("test"), (
                    f"{name} waits for {target} healthy, but {target} has no healthcheck"
                )
            else:
                assert _one_shot(services[target]), f"{name} waits for long-running {target}"


def test_start_order(services) -> None:
    for name in SERVICES:
        migrate = services[f"{name}-migrate"]["depends_on"]
        assert migrate == {"postgres": {"condition": "service_healthy"}}
        for role in ("api", "worker"):
            deps = services[f"{name}-{role}"]["depends_on"]
            assert deps[f"{name}-migrate"]["condition"] == "service_completed_successfully"
            assert deps["postgres"]["condition"] == "service_healthy"
            assert deps["redis"]["condition"] == "service_healthy"
            if name != "registry":  # JWKS comes from the registry
                assert deps["registry-api"]["condition"] == "service_healthy"
    assert services["notifications-worker"]["depends_on"]["mailpit"]["condition"] == (
        "service_healthy"
    )
    # The portal has no database: it waits for Redis (its sessions) and the three APIs.
    assert services[PORTAL]["depends_on"] == {
        target: {"condition": "service_healthy"}
        for target in ("redis", *(f"{name}-api" for name in SERVICES))
    }


# ---------------------------------------------------------------------------------------
# the application containers
# ---------------------------------------------------------------------------------------


def test_app_containers_are_built_from_the_one_dockerfile(services, repo_root) -> None:
    images = set()
    app_containers = [
        f"{name}-{role}" for name in SERVICES for role in ("migrate", "api", "worker")
    ]
    for container in [*app_containers, PORTAL]:
        service = services[container]
        build = service.get("build") or {}
        assert build.get("dockerfile") == "infra/Dockerfile", container
        assert Path(build.get("context", "")).resolve() == repo_root
        assert service.get("init") is True, container
        assert service.get("cap_drop") == ["ALL"], container
        assert "no-new-privileges:true" in service.get("security_opt", []), container
        images.add(service.get("image"))
    assert len(images) == 1, f"one image for every process, got {images}"


def test_app_commands(services) -> None:
    for name in SERVICES:
        assert services[f"{name}-migrate"]["command"] == [
            "python",
            "-m",
            f"services.{name}",
            "migrate",
        ]
        assert services[f"{name}-worker"]["command"] == [
            "python",
            "-m",
            f"services.{name}",
            "worker",
        ]
        assert services[f"{name}-api"]["command"] == [
            "gunicorn",
            "-c",
            f"services/{name}/gunicorn.conf.py",
            f"services.{name}.app:create_app()",
        ]
        assert services[f"{name}-worker"]["healthcheck"]["test"] == [
            "CMD",
            "python",
            "-m",
            f"services.{name}",
            "worker-health",
        ]
    assert services[PORTAL]["command"] == [
        "gunicorn",
        "-c",
        "services/portal/gunicorn.conf.py",
        "services.portal.app:create_app()",
    ]


def test_api_healthcheck_and_ports(services) -> None:
    http_services = {f"{name}-api": port for name, port in API_PORTS.items()}
    http_services[PORTAL] = PORTAL_PORT
    for name, port in http_services.items():
        api = services[name]
        assert api["environment"]["RELAIS_BIND"] == "0.0.0.0:8000"
        test = " ".join(api["healthcheck"]["test"])
        assert "urllib" in test and "http://127.0.0.1:8000/readyz" in test
        assert api["healthcheck"] == services["registry-api"]["healthcheck"], name
        assert api["restart"] == "unless-stopped", name
        published = [str(p) for p in api.get("ports", [])]
        assert published == [f"127.0.0.1:{port}:8000/tcp"], f"{name} ports: {published}"
    for name, service in services.items():
        for entry in service.get("ports", []):
            assert str(entry).startswith("127.0.0.1:"), f"{name} publishes on all interfaces"


def test_app_environment(services, fake_secrets) -> None:
    redis_url = f"redis://:{fake_secrets['REDIS_PASSWORD']}@redis:6379/0"
    jwks = "http://registry-api:8000/.well-known/jwks.json"
    for name in SERVICES:
        for role in ("migrate", "api", "worker"):
            env = services[f"{name}-{role}"]["environment"]
            assert env["RELAIS_DATABASE_URL"] == (
                f"postgresql+psycopg://relais:{fake_secrets['POSTGRES_PASSWORD']}"
                f"@postgres:5432/{name}"
            )
            assert env["RELAIS_REDIS_URL"] == redis_url  # one Redis db: shared exchanges
            assert env["RELAIS_LOG_LEVEL"] and env["RELAIS_PUBLIC_URL"]
            if name != "registry":
                assert env["RELAIS_JWKS_URL"] == jwks
    # Referrals: both keys together (the settings refuse one without the other).
    for role in ("migrate", "api", "worker"):
        referrals = services[f"referrals-{role}"]["environment"]
        assert referrals["RELAIS_ENCRYPTION_KEYS"] == fake_secrets["RELAIS_ENCRYPTION_KEYS"]
        assert referrals["RELAIS_BLIND_INDEX_KEY"] == fake_secrets["RELAIS_BLIND_INDEX_KEY"]
        assert str(referrals["RELAIS_RETENTION_DAYS"]) == "730"
    for name in ("registry", "notifications"):
        for key in ("RELAIS_ENCRYPTION_KEYS", "RELAIS_BLIND_INDEX_KEY"):
            assert key not in services[f"{name}-api"]["environment"]
            assert key not in services[PORTAL]["environment"]
    for role in ("api", "worker"):
        notif = services[f"notifications-{role}"]["environment"]
        assert notif["RELAIS_SMTP_HOST"] == "mailpit" and str(notif["RELAIS_SMTP_PORT"]) == "1025"
        assert notif["RELAIS_SMTP_FROM"]
        assert notif["RELAIS_PORTAL_URL"] == "http://127.0.0.1:8000"
        assert str(notif["RELAIS_DIGEST_HOUR"]) == "8"
    registry = services["registry-api"]
    assert registry["environment"]["RELAIS_SIGNING_KEY_DIR"] == "/var/lib/relais/keys"
    assert str(registry["environment"]["RELAIS_TRUSTED_PROXIES"]) == "1"
    assert any(str(v).startswith("registry-keys:/var/lib/relais/keys") for v in registry["volumes"])


def test_portal_environment(services, fake_secrets) -> None:
    env = services[PORTAL]["environment"]
    assert env == {
        "RELAIS_LOG_LEVEL": "INFO",
        "RELAIS_REDIS_URL": f"redis://:{fake_secrets['REDIS_PASSWORD']}@redis:6379/0",
        "RELAIS_PUBLIC_URL": "http://127.0.0.1:8000",
        "RELAIS_REGISTRY_URL": "http://registry-api:8000",
        "RELAIS_REFERRALS_URL": "http://referrals-api:8000",
        "RELAIS_NOTIFICATIONS_URL": "http://notifications-api:8000",
        "RELAIS_JWKS_URL": "http://registry-api:8000/.well-known/jwks.json",
        "RELAIS_PORTAL_SECRET_KEY": fake_secrets["RELAIS_PORTAL_SECRET_KEY"],
        "RELAIS_PORTAL_COOKIE_SECURE": "true",
        "RELAIS_TRUSTED_PROXIES": "1",
        "RELAIS_BIND": "0.0.0.0:8000",
    }
    assert "volumes" not in services[PORTAL], "the portal keeps no state on disk"


def test_environment_matches_the_settings(services) -> None:
    """Every RELAIS_* variable given to a container is one its settings class reads.

    A misspelt name would be silently ignored, leaving the default (e.g. a portal
    pointing at 127.0.0.1 instead of the APIs).
    """
    from services.notifications.settings import NotificationsSettings
    from services.portal.settings import PortalSettings
    from services.referrals.settings import ReferralsSettings
    from services.registry.settings import RegistrySettings
    from shared.settings import env_name

    classes = {
        "registry": RegistrySettings,
        "referrals": ReferralsSettings,
        "notifications": NotificationsSettings,
        "portal": PortalSettings,
    }
    # Read by gunicorn.conf.py (shared/http/gunicorn.py), not by the settings classes.
    gunicorn_vars = {"RELAIS_BIND"}
    for container, service in services.items():
        owner = container.split("-")[0]
        if owner not in classes:
            continue
        known = {env_name(field) for field in dataclasses.fields(classes[owner])}
        given = {key for key in service["environment"] if key.startswith("RELAIS_")}
        unknown = given - known - gunicorn_vars
        assert not unknown, f"{container}: variables no setting reads: {sorted(unknown)}"


def test_secret_values_satisfy_the_settings(services) -> None:
    """The settings load from the resolved environment (fake secrets), validation included."""
    from services.portal.settings import PortalSettings
    from services.referrals.settings import ReferralsSettings
    from shared.settings import load_settings

    env = {k: str(v) for k, v in services["referrals-api"]["environment"].items()}
    referrals = load_settings(ReferralsSettings, env)
    assert len(referrals.blind_index_key.encode()) >= 16
    portal = load_settings(
        PortalSettings, {k: str(v) for k, v in services[PORTAL]["environment"].items()}
    )
    assert portal.cookie_secure is True and portal.portal_secret_key


def test_dockerfile(repo_root) -> None:
    text = (repo_root / "infra" / "Dockerfile").read_text()
    instructions = [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert any(re.match(r"FROM\s+python:3\.11-slim\b", line) for line in instructions)
    users = [line.split(None, 1)[1] for line in instructions if line.upper().startswith("USER ")]
    assert users, "the Dockerfile has no USER: the services would run as root"
    final_user = users[-1].split(":")[0]
    assert final_user not in {"root", "0"}, f"final USER is {final_user}"
    assert "10001" in users[-1]
    assert re.search(r"pip install --no-cache-dir -r requirements\.txt", text)
    code = "\n".join(instructions)
    assert "requirements-dev" not in code, "dev dependencies must not be in the image"
    assert "PYTHONDONTWRITEBYTECODE=1" in text and "PYTHONUNBUFFERED=1" in text
    assert re.search(r"COPY\s+shared/", text) and re.search(r"COPY\s+services/", text)
    assert any(line.startswith("CMD ") for line in instructions)


def test_dockerignore(repo_root) -> None:
    entries = {
        line.strip().rstrip("/")
        for line in (repo_root / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for needed in (".venv", "var", ".git", "tests", ".env", "**/__pycache__", ".pytest_cache"):
        assert needed in entries, f".dockerignore does not exclude {needed}"


# ---------------------------------------------------------------------------------------
# backing services
# ---------------------------------------------------------------------------------------


def _redis_conf(repo_root: Path) -> dict[str, str]:
    conf = {}
    for line in (repo_root / "infra" / "redis.conf").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition(" ")
            conf[key.lower()] = value.strip()
    return conf


def test_redis_durable_broker(services, repo_root, fake_secrets) -> None:
    redis = services["redis"]
    assert re.fullmatch(r"redis:7(\.\d+)*(-[a-z0-9.]+)?", redis["image"]), redis["image"]
    command = redis["command"]
    conf_path = "/usr/local/etc/redis/redis.conf"
    assert command[:2] == ["redis-server", conf_path]
    mounts = [str(v) for v in redis["volumes"]]
    assert f"{repo_root / 'infra' / 'redis.conf'}:{conf_path}:ro" in mounts
    # The effective settings: redis.conf, overridden by command-line options.
    settings = _redis_conf(repo_root)
    options = command[2:]
    for flag, value in zip(options[::2], options[1::2], strict=True):
        settings[flag.removeprefix("--").lower()] = value
    assert settings["appendonly"] == "yes"
    assert settings["appendfsync"] == "everysec"
    assert settings["maxmemory-policy"] == "noeviction"
    assert settings["dir"] == "/data"
    assert settings["requirepass"] == fake_secrets["REDIS_PASSWORD"]
    assert "requirepass" not in _redis_conf(repo_root), "no password in the committed conf"
    health = " ".join(redis["healthcheck"]["test"])
    assert "redis-cli" in health and "-a" in health and "ping" in health


def test_postgres(services, repo_root, fake_secrets) -> None:
    pg = services["postgres"]
    assert pg["image"].startswith("postgres:15")
    mounts = [str(v) for v in pg["volumes"]]
    script = repo_root / "infra" / "postgres" / "init-databases.sh"
    assert any(
        m.startswith(f"{script}:/docker-entrypoint-initdb.d/") and m.endswith(".sh:ro")
        for m in mounts
    ), mounts
    env = pg["environment"]
    assert env["RELAIS_DB_USER"] == "relais"
    assert env["RELAIS_DB_PASSWORD"] == fake_secrets["POSTGRES_PASSWORD"]
    assert env["POSTGRES_PASSWORD"] == fake_secrets["POSTGRES_ADMIN_PASSWORD"]
    assert env["RELAIS_DATABASES"].split() == list(SERVICES)
    assert "pg_isready" in " ".join(pg["healthcheck"]["test"])


def test_postgres_init_script(repo_root, tmp_path) -> None:
    """Run the init script against a fake `psql` that records what it is asked to do."""
    script = repo_root / "infra" / "postgres" / "init-databases.sh"
    assert os.access(script, os.X_OK), "init-databases.sh must be executable"
    assert subprocess.run(["bash", "-n", str(script)], check=False).returncode == 0
    text = script.read_text()
    for name in SERVICES:
        assert name in text
    assert "CREATE DATABASE %I OWNER %I" in text and "CREATE ROLE %I LOGIN NOSUPERUSER" in text

    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "psql.log"
    fake_psql = bindir / "psql"
    fake_psql.write_text(f'#!/bin/sh\necho "ARGS $*" >> {log}\ncat >> {log}\n')
    fake_psql.chmod(0o755)
    password = "s3cret'; DROP ROLE x; --"
    env = {
        "PATH": f"{bindir}:{os.environ['PATH']}",
        "POSTGRES_USER": "postgres",
        "RELAIS_DB_PASSWORD": password,
        "RELAIS_DATABASES": "registry referrals notifications",
    }
    proc = subprocess.run(
        ["bash", str(script)], env=env, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    calls = [line for line in log.read_text().splitlines() if line.startswith("ARGS ")]
    for name in SERVICES:
        assert any(f"db={name}" in call and "app_user=relais" in call for call in calls), calls
    assert all(password not in call for call in calls), "password on a psql command line"
    assert r"\getenv pw RELAIS_DB_PASSWORD" in log.read_text()

    proc = subprocess.run(
        ["bash", str(script)],
        env={**env, "RELAIS_DB_PASSWORD": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0 and "RELAIS_DB_PASSWORD" in proc.stderr


def test_mailpit(services) -> None:
    mailpit = services["mailpit"]
    assert mailpit["image"].startswith("axllent/mailpit:")
    assert mailpit["healthcheck"]["test"]
    assert [str(p) for p in mailpit["ports"]] == ["127.0.0.1:8025:8025/tcp"]


def test_named_volumes_for_data(resolved, services) -> None:
    volumes = resolved.get("volumes") or {}
    for service, target, volume in (
        ("redis", "/data", "redis-data"),
        ("postgres", "/var/lib/postgresql/data", "postgres-data"),
    ):
        assert volume in volumes, f"named volume {volume} not declared"
        assert any(str(m).split(":")[:2] == [volume, target] for m in services[service]["volumes"])
