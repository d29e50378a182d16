"""HTTP to the three APIs: timeouts, the request id, the member's token, problem+json.

Each upstream service has its own small module (registry, referrals, notifications)
whose paths and field names sit in one place, so an API change is a one-line change
there. Every call either returns the decoded body or raises one of two errors the
views turn into French messages: `ServiceUnavailable` (down, slow, 5xx) and
`ApiProblem` (the API refused: 4xx with its problem+json).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import flask
import requests

from shared.logging import get_logger

log = get_logger(__name__)


class ServiceUnavailable(Exception):
    """The service did not answer in time, or answered with a server error."""

    def __init__(self, service: str, reason: str):
        super().__init__(f"{service} unavailable: {reason}")
        self.service = service
        self.reason = reason


class NotAuthenticated(Exception):
    """The API refused the member's token (expired and not refreshable)."""


@dataclass
class ApiProblem(Exception):
    """A 4xx answer: `errors` lists {"field", "message"} for a 422."""

    status: int
    code: str = ""
    title: str = ""
    detail: str = ""
    errors: list[dict] = field(default_factory=list)
    headers: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.code}"

    def field_errors(self) -> dict[str, str]:
        """First message per field path, e.g. {"beneficiary.first_name": "..."}."""
        found: dict[str, str] = {}
        for error in self.errors:
            name = str(error.get("field") or "")
            if name and name not in found:
                found[name] = str(error.get("message") or "")
        return found


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict

    @property
    def etag(self) -> str | None:
        return self.headers.get("ETag")


class ApiClient:
    """One upstream API. `token` is a callable giving the member's access token."""

    service = "api"

    def __init__(self, base_url: str, *, timeout: float = 5.0,
                 token: Callable[[], str | None] | None = None,
                 http: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.token = token
        self.http = http or requests.Session()
        self.request_id: str | None = None

    def pinned(self) -> ApiClient:
        """A copy with the current token and request id fixed, for use in worker threads
        (outside the request; one token for all, so no concurrent refresh)."""
        token = self.token() if self.token else None
        copy = type(self)(self.base_url, timeout=self.timeout, token=lambda: token,
                          http=self.http)
        copy.request_id = flask.g.get("request_id") if flask.has_request_context() else None
        return copy

    def call(self, method: str, path: str, *, json: Any = None, params: dict | None = None,
             headers: dict | None = None, authenticated: bool = True, raw: bool = False
             ) -> Answer:
        sent = {"Accept": "application/json", **(headers or {})}
        request_id = self.request_id or (
            flask.g.get("request_id") if flask.has_request_context() else None)
        if request_id:
            sent["X-Request-ID"] = request_id
        if authenticated and self.token:
            token = self.token()
            if not token:
                raise NotAuthenticated()
            sent["Authorization"] = f"Bearer {token}"
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        try:
            response = self.http.request(method, self.base_url + path, json=json, params=clean,
                                         headers=sent, timeout=self.timeout)
        except requests.RequestException as exc:
            # The exception class only: messages could echo a URL with a query string.
            log.warning("upstream_unreachable", service=self.service, error=type(exc).__name__)
            raise ServiceUnavailable(self.service, type(exc).__name__) from None
        if response.status_code >= 500:
            log.warning("upstream_error", service=self.service, status=response.status_code)
            raise ServiceUnavailable(self.service, f"HTTP {response.status_code}")
        if response.status_code == 401 and authenticated:
            raise NotAuthenticated()
        if response.status_code >= 400:
            raise _problem(response)
        if raw:
            return Answer(response.status_code, response.content, dict(response.headers))
        body = response.json() if response.content and _is_json(response) else None
        return Answer(response.status_code, body, dict(response.headers))

    def get(self, path: str, **kwargs) -> Any:
        return self.call("GET", path, **kwargs).body

    def post(self, path: str, json: Any = None, **kwargs) -> Any:
        return self.call("POST", path, json=json, **kwargs).body


def _is_json(response: requests.Response) -> bool:
    return "json" in response.headers.get("Content-Type", "")


def _problem(response: requests.Response) -> ApiProblem:
    body: dict = {}
    if _is_json(response):
        try:
            body = response.json() or {}
        except ValueError:
            body = {}
    errors = body.get("errors") if isinstance(body.get("errors"), list) else []
    return ApiProblem(
        status=response.status_code, code=str(body.get("code") or ""),
        title=str(body.get("title") or ""), detail=str(body.get("detail") or ""),
        errors=[e for e in errors if isinstance(e, dict)],
        headers={k: v for k, v in response.headers.items() if k in ("Retry-After", "ETag")})


def items_of(page: Any) -> list:
    """The items of a paginated answer ({"items": [...], "next": ...}) or a bare list."""
    if isinstance(page, dict):
        return list(page.get("items") or [])
    return list(page or [])
