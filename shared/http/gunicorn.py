"""gunicorn settings every service's gunicorn.conf.py starts from."""

from __future__ import annotations

import os


def gunicorn_settings(default_bind: str, service: str) -> dict:
    """Bind, workers and timeouts from RELAIS_BIND / RELAIS_WEB_* (safe local defaults)."""

    def on_starting(_server) -> None:
        # gunicorn's own lines (master start, worker boots) as JSON like everything else.
        from shared.logging import configure_logging

        configure_logging(service, os.environ.get("RELAIS_LOG_LEVEL", "INFO"),
                          os.environ.get("RELAIS_LOG_JSON", "true").lower() != "false")

    return {
        "on_starting": on_starting,
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
