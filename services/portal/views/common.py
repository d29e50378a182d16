"""Small things every area's views share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flask

from services.portal.clients.base import ApiProblem, ServiceUnavailable
from services.portal.upstream import Upstream

CURSOR_MAX = 200


def clients() -> Upstream:
    return flask.current_app.extensions["portal.clients"]


def load_optional(load: Callable[[], Any], default: Any,
                  refused: bool = False) -> tuple[Any, str | None]:
    """Run `load`; when its service is down, the default and the name of the service.
    With `refused`, a 403/404 (not this member's to see) also gives the default, and
    "forbidden" instead of a service name."""
    try:
        return load(), None
    except ServiceUnavailable as exc:
        return default, exc.service
    except ApiProblem as exc:
        if refused and exc.status in (403, 404):
            return default, "forbidden"
        raise


def page_filters(names: tuple[str, ...]) -> tuple[dict, str | None]:
    """Filters from the query string (codes and ids only, never personal data)."""
    args = flask.request.args
    filters = {name: args.get(name, "").strip()[:100] for name in names if args.get(name)}
    after = args.get("apres", "").strip()[:CURSOR_MAX] or None
    return filters, after


def local_path(target: str | None) -> str | None:
    """`target` if it is a path of this portal, else None (no open redirect: "//host",
    "/\\host" and absolute URLs are refused)."""
    if not target or not target.startswith("/") or target.startswith("//") \
            or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    return target
