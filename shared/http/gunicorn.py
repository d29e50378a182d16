"""gunicorn settings every service's gunicorn.conf.py starts from."""

from __future__ import annotations

import os


def gunicorn_settings(default_bind: str) -> dict:
    """Bind, workers and timeouts from RELAIS_BIND / RELAIS_WEB_* (safe local defaults)."""
    return {
        "bind": os.environ.get("RELAIS_BIND", default_bind),
        "workers": int(os.environ.get("RELAIS_WEB_WORKERS", "2")),
        "threads": int(os.environ.get("RELAIS_WEB_THREADS", "4")),
        "worker_class": "gthread",
        "timeout": int(os.environ.get("RELAIS_WEB_TIMEOUT", "30")),
        "graceful_timeout": 20,
        "keepalive": 5,
        # Our own JSON access line (shared.http.app) replaces gunicorn's.
        "accesslog": None,
        "errorlog": "-",
        "forwarded_allow_ips": os.environ.get("RELAIS_FORWARDED_ALLOW_IPS", "127.0.0.1"),
    }
