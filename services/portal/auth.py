"""The signed-in member, kept in the server-side session, and the view guards.

The access token is verified once (the registry's JWKS) when the member signs in; the
roles it carries decide the navigation. Before it expires the portal refreshes it with
the refresh token, so a member stays signed in as long as the session lives.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

import flask

from services.portal.clients.base import ApiProblem, NotAuthenticated, ServiceUnavailable
from shared.auth import AuthError, TokenVerifier
from shared.logging import get_logger

log = get_logger(__name__)
REFRESH_MARGIN_SECONDS = 60

ROLE_LABELS = {"referrer": "Prescripteur", "handler": "Agent CCAS",
               "coordinator": "Coordination CLS", "admin": "Administration"}


def start_session(tokens: dict, email: str) -> dict:
    """Record a successful sign-in; returns the member (id, organisation, roles)."""
    verifier: TokenVerifier = flask.current_app.extensions["portal.verifier"]
    principal = verifier.verify(tokens["access_token"])
    session = flask.session
    session.clear()
    session.regenerate()  # a new id once signed in: no session fixation
    session["member"] = {"id": principal.member_id, "organisation_id": principal.organisation_id,
                         "roles": sorted(principal.roles), "email": email}
    _store_tokens(tokens)
    return session["member"]


def _store_tokens(tokens: dict) -> None:
    session = flask.session
    session["access_token"] = tokens["access_token"]
    if tokens.get("refresh_token"):
        session["refresh_token"] = tokens["refresh_token"]
    session["access_expires_at"] = time.time() + int(tokens.get("expires_in") or 300)


def end_session() -> None:
    refresh_token = flask.session.get("refresh_token")
    if refresh_token:
        try:
            flask.current_app.extensions["portal.clients"].registry().revoke(refresh_token)
        except (ServiceUnavailable, ApiProblem, NotAuthenticated) as exc:
            log.info("refresh_token_not_revoked", reason=type(exc).__name__)
    flask.session.clear()


def current_member() -> dict | None:
    return flask.session.get("member")


def access_token() -> str | None:
    """The member's access token, refreshed when it is about to expire."""
    session = flask.session
    token = session.get("access_token")
    if not token:
        return None
    if session.get("access_expires_at", 0) - time.time() > REFRESH_MARGIN_SECONDS:
        return token
    still_valid = token if session.get("access_expires_at", 0) > time.time() else None
    refresh_token = session.get("refresh_token")
    if not refresh_token:
        return still_valid
    store = flask.current_app.session_interface
    # Refresh tokens are single use: one request of this session refreshes, the others
    # wait for its result (a second use would revoke the whole sign-in).
    if not store.lock(session):
        return _refreshed_elsewhere(store, session) or still_valid
    try:
        # Another request may have refreshed between our reading the session and the lock.
        adopted = _adopt_stored(store, session)
        if adopted:
            return adopted
        tokens = flask.current_app.extensions["portal.clients"].registry().refresh(
            refresh_token)
    except ApiProblem:
        return None  # revoked or expired: sign in again
    except ServiceUnavailable:
        return still_valid  # the registry is down: keep the token while it is valid
    else:
        _store_tokens(tokens)
        store.persist(session)
        return tokens["access_token"]
    finally:
        store.unlock(session)


def _refreshed_elsewhere(store, session) -> str | None:
    for _ in range(50):
        if not store.locked(session):
            break
        time.sleep(0.1)
    return _adopt_stored(store, session)


def _adopt_stored(store, session) -> str | None:
    """The tokens another request of this session stored, if newer than ours."""
    fresh = store.load(session.sid) or {}
    if fresh.get("access_token") and fresh["access_token"] != session.get("access_token"):
        for name in ("access_token", "refresh_token", "access_expires_at"):
            session[name] = fresh.get(name)
        return fresh["access_token"]
    return None


def has_role(*roles: str) -> bool:
    member = current_member()
    return bool(member) and not set(member["roles"]).isdisjoint(roles)


def login_required(*roles: str) -> Callable:
    """Sign-in required (redirect to the sign-in page); with `roles`, one of them (else 403)."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if current_member() is None:
                if getattr(flask.session, "expired", False):
                    flask.flash("Votre session a expiré. Reconnectez-vous.", "info")
                return flask.redirect(flask.url_for("auth.sign_in"))
            if roles and not has_role(*roles):
                flask.abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


__all__ = ["AuthError", "ROLE_LABELS", "access_token", "current_member", "end_session",
           "has_role", "login_required", "start_session"]
