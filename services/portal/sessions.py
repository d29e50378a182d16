"""Server-side sessions in Redis: the cookie holds a random id, nothing else.

The access and refresh tokens never leave the server. A session expires when idle
(the Redis TTL, refreshed on each request) and in any case after a maximum age.
Signing in rotates the id (no session fixation); signing out deletes the key.
"""

from __future__ import annotations

import json
import secrets
import time

import flask
import redis
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from shared.logging import get_logger

log = get_logger(__name__)


TOKEN_FIELDS = ("access_token", "refresh_token", "access_expires_at")
SESSIONLESS_PATHS = ("/static/", "/healthz", "/readyz", "/metrics")


class SessionStoreUnavailable(RuntimeError):
    """Redis cannot be reached: the portal answers with a French 503 page."""


class RedisSession(CallbackDict, SessionMixin):
    def __init__(self, initial=None, sid: str | None = None, new: bool = False):
        def on_update(session):
            session.modified = True

        super().__init__(initial, on_update)
        self.sid = sid
        self.new = new
        self.modified = False
        self.rotate = False
        # The browser sent a session id that has expired (idle or too old).
        self.expired = False
        self.unavailable = False

    def regenerate(self) -> None:
        """Give the session a new id at the next save (the old key is deleted)."""
        self.rotate = True
        self.modified = True


class RedisSessionInterface(SessionInterface):
    def __init__(self, client: redis.Redis, *, prefix: str, idle_seconds: int,
                 max_age_seconds: int):
        self.client = client
        self.prefix = prefix
        self.idle_seconds = idle_seconds
        self.max_age_seconds = max_age_seconds

    def _key(self, sid: str) -> str:
        return f"{self.prefix}{sid}"

    def open_session(self, app, request):
        if request.path.startswith(SESSIONLESS_PATHS):
            return RedisSession(sid=None, new=True)  # assets and probes: no Redis round trip
        sid = request.cookies.get(self.get_cookie_name(app), "")
        if not sid or len(sid) > 100:
            return RedisSession(sid=None, new=True)
        try:
            raw = self.client.get(self._key(sid))
        except redis.RedisError as exc:
            log.error("session_store_unavailable", error=type(exc).__name__)
            # Raising here would bypass Flask's error handlers: flag it for a before_request.
            session = RedisSession(sid=None, new=True)
            session.unavailable = True
            return session
        if raw is None:
            return _expired_session()
        data = json.loads(raw)
        created = data.get("_created", 0)
        if time.time() - created > self.max_age_seconds:
            self._delete(sid)
            return _expired_session()
        return RedisSession(data, sid=sid)

    def save_session(self, app, session: RedisSession, response):
        if session.unavailable:
            return
        name = self.get_cookie_name(app)
        cookie = {"domain": self.get_cookie_domain(app), "path": self.get_cookie_path(app)}
        if not session:
            if session.sid and session.modified:
                self._delete(session.sid)
                response.delete_cookie(name, **cookie)
            return
        if session.rotate and session.sid:
            self._delete(session.sid)
            session.sid = None
        if session.sid is None:
            session.sid = secrets.token_urlsafe(32)
            session.setdefault("_created", time.time())
            session.modified = True
        try:
            # Every request slides the idle expiry; writes only when something changed.
            if session.modified:
                self.client.set(self._key(session.sid), json.dumps(self._merged(session)),
                                ex=self.idle_seconds)
            else:
                self.client.expire(self._key(session.sid), self.idle_seconds)
        except redis.RedisError as exc:
            log.error("session_store_unavailable", error=type(exc).__name__)
            return
        response.set_cookie(
            name, session.sid, max_age=self.idle_seconds, httponly=True,
            secure=self.get_cookie_secure(app), samesite="Lax", **cookie)
        response.vary.add("Cookie")

    def _merged(self, session: RedisSession) -> dict:
        """The session to write, keeping tokens a parallel request refreshed meanwhile
        (writing back our older, already spent refresh token would sign the member out)."""
        data = dict(session)
        if "access_token" in data and not session.rotate:
            stored = self.load(session.sid) or {}
            if stored.get("access_expires_at", 0) > data.get("access_expires_at", 0):
                for name in TOKEN_FIELDS:
                    data[name] = stored.get(name)
        return data

    def load(self, sid: str) -> dict | None:
        """The stored data of session `sid` now (another request may have changed it)."""
        raw = self.client.get(self._key(sid))
        return json.loads(raw) if raw else None

    def persist(self, session: RedisSession) -> None:
        """Write the session at once, before the response (a refreshed token must be seen
        by this member's other requests running in parallel)."""
        if session.sid:
            self.client.set(self._key(session.sid), json.dumps(dict(session)),
                            ex=self.idle_seconds)

    def lock(self, session: RedisSession, seconds: int = 10) -> bool:
        return bool(session.sid) and bool(self.client.set(
            f"{self.prefix}lock:{session.sid}", "1", nx=True, ex=seconds))

    def unlock(self, session: RedisSession) -> None:
        self.client.delete(f"{self.prefix}lock:{session.sid}")

    def locked(self, session: RedisSession) -> bool:
        return bool(self.client.exists(f"{self.prefix}lock:{session.sid}"))

    def _delete(self, sid: str) -> None:
        try:
            self.client.delete(self._key(sid))
        except redis.RedisError as exc:
            log.error("session_store_unavailable", error=type(exc).__name__)


def _expired_session() -> RedisSession:
    session = RedisSession(sid=None, new=True)
    session.expired = True
    return session


def require_session_store() -> None:
    """before_request: a French 503 page when Redis was unreachable for this request."""
    if getattr(flask.session, "unavailable", False):
        raise SessionStoreUnavailable()
