"""Prometheus metrics of the HTTP layer, defined once per process.

Module-level so that several apps built in one process (tests) share the collectors
instead of registering duplicates. Under gunicorn with several workers, set
``PROMETHEUS_MULTIPROC_DIR`` (an empty directory) before the process starts: each worker
then writes its samples there and ``/metrics`` aggregates them.
"""

from __future__ import annotations

import os

import flask
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

UNMATCHED_ROUTE = "unmatched"

http_requests_total = Counter(
    "http_requests_total",
    "HTTP requests answered, by route template (never the raw path).",
    ["service", "method", "route", "status"],
)
http_request_duration_seconds = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request, by route template.",
    ["service", "method", "route"],
)


def observe_request(service: str, method: str, route: str, status: int, seconds: float) -> None:
    """Record one answered request (``route`` is the url rule or ``"unmatched"``)."""
    http_requests_total.labels(service, method, route, str(status)).inc()
    http_request_duration_seconds.labels(service, method, route).observe(seconds)


def metrics_response() -> flask.Response:
    """The Prometheus text exposition of this process (or of all gunicorn workers)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return flask.Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
