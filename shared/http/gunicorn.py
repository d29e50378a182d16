"""gunicorn settings every service's gunicorn.conf.py starts from."""

from __future__ import annotations

import os


def gunicorn_settings(default_bind: str, service: str, *,
                      preload_referential: bool = False) -> dict:
    """Bind, workers and timeouts from RELAIS_BIND / RELAIS_WEB_* (safe local defaults).

    `preload_referential`: for the APIs that check communes, load the referential in
    the master before it forks the workers (see `preload_communes`)."""

    def on_starting(_server) -> None:
        # gunicorn's own lines (master start, worker boots) as JSON like everything else.
        from shared.logging import configure_logging

        configure_logging(service, os.environ.get("RELAIS_LOG_LEVEL", "INFO"),
                          os.environ.get("RELAIS_LOG_JSON", "true").lower() != "false")
        if preload_referential:
            preload_communes()

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


def preload_communes() -> None:
    """Load the communes referential once in the gunicorn master: every worker inherits
    it copy-on-write instead of building its own on its first request (a second or so,
    while requests wait). gc.freeze() moves it out of the collector's generations so
    the workers' collections never write to (and so copy) those pages."""
    import gc

    from shared.communes import ReferentialMissing, referential
    from shared.logging import get_logger

    try:
        referential()
    except ReferentialMissing as missing:
        # The workers report it where it matters (a 500 or the portal's fallback).
        get_logger(__name__).warning("communes.not_preloaded", reason=str(missing))
        return
    gc.freeze()
