"""Access-token verification (JWT signed by the registry, keys from its JWKS) and view guards.

Usage in a service::

    init_auth(app, TokenVerifier(jwks_url, audience="relais", issuer="relais-registry"))

    @blp.route("/organisations")
    class Organisations(MethodView):
        @require_roles("admin")          # above @blp.arguments: authorise before parsing
        @blp.arguments(OrganisationIn)
        @blp.response(201, OrganisationOut)
        def post(self, data): ...
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import flask
import jwt
import structlog
from flask_smorest import Blueprint

from shared.http.problems import ApiError
from shared.logging import get_logger

ROLES = ("referrer", "handler", "coordinator", "admin")
EXTENSION_KEY = "relais.auth"
_JWKS_FETCH_TIMEOUT_SECONDS = 3  # a sync gunicorn worker waits on it

log = get_logger(__name__)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a member of an organisation (none for a platform admin)."""

    member_id: str
    organisation_id: str | None
    roles: frozenset[str]

    def has_any(self, *roles: str) -> bool:
        """True if the principal holds at least one of ``roles``."""
        return not self.roles.isdisjoint(roles)


class AuthError(Exception):
    """The token is missing or invalid; ``reason`` says why (for logs, not for clients)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AuthUnavailable(AuthError):
    """The keys could not be fetched: not the caller's fault, answered with 503."""


class TokenVerifier:
    """Verify access tokens against the registry's JWKS.

    The key set is cached for ``cache_seconds``; a token with an unknown ``kid`` forces
    one refetch (at most every ``refetch_cooldown_seconds``, so forged kids cannot make
    us hammer the registry), which is how a rotated key is picked up.
    """

    def __init__(
        self,
        jwks_url: str,
        audience: str,
        issuer: str,
        algorithms: tuple[str, ...] = ("EdDSA", "ES256"),
        cache_seconds: int = 300,
        *,
        refetch_cooldown_seconds: float = 30.0,
    ) -> None:
        self.audience = audience
        self.issuer = issuer
        # Pinned: never read the algorithm from the token ("none", HS256 key confusion).
        self.algorithms = list(algorithms)
        self._jwks = jwt.PyJWKClient(
            jwks_url,
            cache_jwk_set=True,
            lifespan=cache_seconds,
            timeout=_JWKS_FETCH_TIMEOUT_SECONDS,
            cooldown_duration=refetch_cooldown_seconds,
        )

    def verify(self, token: str) -> Principal:
        """Return the :class:`Principal` of a valid token; raise :class:`AuthError` if not."""
        try:
            signing_key = self._jwks.get_signing_key_from_jwt(token)
        except (jwt.PyJWKClientConnectionError, jwt.PyJWKSetError) as exc:
            raise AuthUnavailable(f"signing keys unavailable: {type(exc).__name__}") from exc
        except jwt.PyJWTError as exc:  # malformed token, unknown kid
            raise AuthError(f"no usable key: {type(exc).__name__}") from exc
        try:
            claims = jwt.decode(
                token,
                signing_key,
                algorithms=self.algorithms,
                audience=self.audience,
                issuer=self.issuer,
                leeway=10,
                options={"require": ["exp", "iat", "aud", "iss", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise AuthError(f"invalid token: {type(exc).__name__}") from exc
        return _principal_from(claims)


def _principal_from(claims: dict) -> Principal:
    member_id = claims.get("sub")
    organisation_id = claims.get("org")
    roles = claims.get("roles")
    if not isinstance(member_id, str) or not member_id:
        raise AuthError("sub must be a non-empty string")
    if organisation_id is not None and not isinstance(organisation_id, str):
        raise AuthError("org must be a string")
    if not isinstance(roles, list) or not all(role in ROLES for role in roles):
        raise AuthError("roles must be a list of known roles")
    return Principal(member_id, organisation_id, frozenset(roles))


def init_auth(app: flask.Flask, verifier: TokenVerifier) -> None:
    """Make ``verifier`` the one the view decorators of ``app`` use."""
    app.extensions[EXTENSION_KEY] = verifier


def current_principal() -> Principal:
    """The principal of the current request (inside an authenticated view only)."""
    principal = flask.g.get("principal")
    if principal is None:
        raise RuntimeError("current_principal() used in a view without @authenticated")
    return principal


def _unauthorized(detail: str) -> ApiError:
    return ApiError(
        401, "unauthorized", "Unauthorized", detail=detail,
        headers={"WWW-Authenticate": "Bearer"},
    )


def _authenticate() -> Principal:
    header = flask.request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("A bearer access token is required.")
    verifier: TokenVerifier = flask.current_app.extensions[EXTENSION_KEY]
    try:
        principal = verifier.verify(token.strip())
    except AuthUnavailable as exc:
        log.error("auth_unavailable", reason=exc.reason)
        raise ApiError(
            503, "auth_unavailable", "Authentication unavailable",
            detail="Access tokens cannot be verified right now; retry later.",
            headers={"Retry-After": "5"},
        ) from exc
    except AuthError as exc:
        log.info("auth_rejected", reason=exc.reason)
        raise _unauthorized("The access token is invalid or expired.") from exc
    flask.g.principal = principal
    # The member id only: names and e-mails stay out of the logs.
    structlog.contextvars.bind_contextvars(member_id=principal.member_id)
    return principal


# Marks the operation as needing a token in the OpenAPI doc (bearerAuth scheme).
_document_security = Blueprint.doc(security=[{"bearerAuth": []}])


def authenticated(view: Callable) -> Callable:
    """Require a valid bearer token (401 problem otherwise); sets ``flask.g.principal``."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        _authenticate()
        return view(*args, **kwargs)

    return _document_security(wrapper)


def require_roles(*roles: str) -> Callable[[Callable], Callable]:
    """Require a valid token (401) whose principal holds one of ``roles`` (else 403)."""
    unknown = set(roles) - set(ROLES)
    if not roles or unknown:
        raise ValueError(f"require_roles needs roles among {ROLES}, got {roles}")

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            principal = _authenticate()
            if not principal.has_any(*roles):
                raise ApiError(
                    403, "forbidden", "Forbidden",
                    detail="Your role does not allow this action.",
                )
            return view(*args, **kwargs)

        return _document_security(wrapper)

    return decorator
