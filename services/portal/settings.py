"""The portal's settings: where the three APIs are, its session store and secret key."""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from shared.logging import get_logger
from shared.settings import PREFIX, ServiceSettings, SettingsError, load_settings, setting

log = get_logger(__name__)


@dataclass(frozen=True)
class PortalSettings(ServiceSettings):
    # The portal has no database of its own; the field is inherited and unused.
    database_url: str = setting("sqlite:///:memory:", secret=True)
    public_url: str = setting("http://127.0.0.1:8000")
    registry_url: str = setting("http://127.0.0.1:8001")
    referrals_url: str = setting("http://127.0.0.1:8002")
    notifications_url: str = setting("http://127.0.0.1:8003")
    # Signs the CSRF tokens. Generated into `secret_key_file` when unset (local run).
    portal_secret_key: str = setting("", secret=True)
    secret_key_file: str = setting("var/portal-secret-key", env="RELAIS_PORTAL_SECRET_KEY_FILE")
    # Server-side sessions: Redis keys `<prefix><random id>`, expiring when idle.
    session_key_prefix: str = setting("relais:portal:session:")
    session_idle_minutes: int = setting(30)
    session_max_hours: int = setting(10)
    cookie_secure: bool = setting(False, env="RELAIS_PORTAL_COOKIE_SECURE")
    cookie_name: str = setting("relais_session", env="RELAIS_PORTAL_COOKIE_NAME")
    # Seconds the portal waits for an API before telling the user it is unavailable.
    upstream_timeout: float = setting(5.0)

    def validate(self) -> None:
        super().validate()
        if self.session_idle_minutes < 1 or self.session_max_hours < 1:
            raise SettingsError(f"{PREFIX}SESSION_IDLE_MINUTES / {PREFIX}SESSION_MAX_HOURS: "
                                "must be positive")
        if self.upstream_timeout <= 0:
            raise SettingsError(f"{PREFIX}UPSTREAM_TIMEOUT: must be positive")
        if self.portal_secret_key and len(self.portal_secret_key) < 32:
            raise SettingsError(f"{PREFIX}PORTAL_SECRET_KEY: at least 32 characters")


def load() -> PortalSettings:
    return load_settings(PortalSettings)


def secret_key(settings: PortalSettings) -> str:
    """The configured key, or one kept in a 0600 file (created once, reused by every worker)."""
    if settings.portal_secret_key:
        return settings.portal_secret_key
    path = Path(settings.secret_key_file)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # O_EXCL: two gunicorn workers starting together agree on one key.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
            log.warning("portal_secret_key_generated", file=str(path),
                        hint=f"set {PREFIX}PORTAL_SECRET_KEY in deployment")
    key = ""
    for _ in range(20):  # the other worker may be writing it right now
        key = path.read_text().strip()
        if key:
            break
        time.sleep(0.05)
    if len(key) < 32:
        raise SettingsError(f"{path}: the secret key file is empty or too short")
    return key
