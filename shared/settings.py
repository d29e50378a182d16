"""Typed settings from environment variables (twelve-factor).

A service declares a frozen dataclass whose fields carry their environment
variable name and a default; `load_settings` reads, converts and validates them
and names the variable in the error when one is missing or malformed.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

T = TypeVar("T")
PREFIX = "RELAIS_"


class SettingsError(ValueError):
    """A required variable is missing or a value cannot be converted."""


def setting(default: Any = dataclasses.MISSING, *, env: str | None = None, secret: bool = False):
    """A settings field. `env` overrides the variable name (default: RELAIS_<FIELD>)."""
    return dataclasses.field(default=default, metadata={"env": env, "secret": secret})


def env_name(field: dataclasses.Field) -> str:
    return field.metadata.get("env") or PREFIX + field.name.upper()


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _convert(raw: str, annotation: Any, variable: str) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        return None if raw == "" else _convert(raw, inner[0], variable)
    if origin is tuple:
        (item,) = typing.get_args(annotation)[:1]
        return tuple(_convert(p.strip(), item, variable) for p in raw.split(",") if p.strip())
    try:
        if annotation is bool:
            lowered = raw.strip().lower()
            if lowered in _TRUE:
                return True
            if lowered in _FALSE:
                return False
            raise ValueError(raw)
        if annotation in (int, float):
            return annotation(raw.strip())
    except ValueError:
        kind = annotation.__name__
        raise SettingsError(f"{variable}: expected {kind}, got {raw!r}") from None
    return raw


def load_settings(cls: type[T], environ: Mapping[str, str] | None = None, **overrides: Any) -> T:
    """Build `cls` from the environment; `overrides` (tests) win over the environment."""
    environ = os.environ if environ is None else environ
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        variable = env_name(field)
        if field.name in overrides:
            values[field.name] = overrides.pop(field.name)
        elif variable in environ:
            values[field.name] = _convert(environ[variable], hints[field.name], variable)
        elif field.default is dataclasses.MISSING:
            raise SettingsError(f"{variable}: required but not set")
    if overrides:
        raise SettingsError(f"unknown settings: {', '.join(sorted(overrides))}")
    settings = cls(**values)
    validate = getattr(settings, "validate", None)
    if validate:
        validate()
    return settings


def describe(settings: Any) -> dict[str, Any]:
    """The settings as a dict fit for a log line: secrets masked."""
    return {
        env_name(f): ("***" if f.metadata.get("secret") else getattr(settings, f.name))
        for f in dataclasses.fields(settings)
    }


@dataclasses.dataclass(frozen=True)
class ServiceSettings:
    """What every service reads. A service subclasses it to set its own defaults
    (database file, port) and add its own settings."""

    database_url: str = setting("sqlite:///var/relais.db", secret=True)
    redis_url: str = setting("redis://127.0.0.1:6379/0", secret=True)
    # Isolates a deployment (or a test run) sharing one Redis.
    broker_key_prefix: str = setting("")
    # Seconds before a message whose consumer died unacked is delivered again.
    broker_visibility_timeout: float = setting(300.0)
    jwks_url: str = setting("http://127.0.0.1:8001/.well-known/jwks.json")
    jwt_audience: str = setting("relais")
    jwt_issuer: str = setting("relais-registry")
    log_level: str = setting("INFO")
    log_json: bool = setting(True)
    max_body_bytes: int = setting(1_048_576)
    retry_max_attempts: int = setting(6)
    retry_base_delay: float = setting(2.0)
    worker_heartbeat_file: str = setting("var/worker.heartbeat")
    public_url: str = setting("http://127.0.0.1:8000")
    # How many reverse proxies stand in front (X-Forwarded-For/Proto trusted that deep);
    # 0 = none: the client address is the socket's.
    trusted_proxies: int = setting(0)

    def validate(self) -> None:
        for name in ("database_url", "redis_url"):
            if not getattr(self, name):
                raise SettingsError(f"{PREFIX}{name.upper()}: must not be empty")
        if self.broker_visibility_timeout <= 0:
            raise SettingsError(f"{PREFIX}BROKER_VISIBILITY_TIMEOUT: must be positive")
        if self.retry_max_attempts < 1:
            raise SettingsError(f"{PREFIX}RETRY_MAX_ATTEMPTS: must be at least 1")
        if self.log_level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise SettingsError(f"{PREFIX}LOG_LEVEL: expected DEBUG, INFO, WARNING or ERROR")
