"""Structured logging: one JSON object per line on stdout, for structlog and stdlib alike.

Every service calls :func:`configure_logging` once at start (app factory, worker, gunicorn
config). Values bound with ``structlog.contextvars`` (``request_id``, ``member_id``) are
merged into every line, including lines from gunicorn, kombu and werkzeug.
"""

from __future__ import annotations

import logging
import sys

import structlog

# Library loggers that install their own handlers; they must go through ours instead.
_FOREIGN_LOGGERS = ("gunicorn", "gunicorn.error", "gunicorn.access", "kombu", "werkzeug")

_service = {"name": "unknown"}


def _add_service(_logger, _method, event_dict):
    # Read at call time, so a second configure_logging() takes effect everywhere.
    event_dict.setdefault("service", _service["name"])
    return event_dict


class _StdoutHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stdout`` is at emit time (pytest and gunicorn swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, _value) -> None:
        pass


def configure_logging(service: str, level: str = "INFO", json: bool = True) -> None:
    """Route structlog and stdlib logging to stdout as JSON lines (or readable text).

    Each line has ``event``, ``level``, ``timestamp`` (ISO 8601, UTC), ``service``,
    ``logger`` and whatever is bound in structlog's contextvars. Safe to call twice:
    the previous handler is replaced, never duplicated.
    """
    _service["name"] = service
    shared_processors = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_service,
    ]
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared_processors,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        # Not cached: tests (structlog.testing.capture_logs) and re-configuration must work.
        cache_logger_on_first_use=False,
    )
    renderer = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared_processors, structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = _StdoutHandler()
    handler.setFormatter(formatter)
    handler.set_name("relais")

    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "relais"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())

    for name in _FOREIGN_LOGGERS:
        foreign = logging.getLogger(name)
        foreign.handlers.clear()
        foreign.propagate = True


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    """Return a structlog logger; ``name`` shows as the ``logger`` key (module name)."""
    return structlog.get_logger(name)
