"""Sign-in: access tokens for an e-mail and password, refresh, sign-out.

The only writes that need no token. Failed attempts are counted per account and
per client address (429 with `Retry-After` beyond the limit); unknown e-mails,
wrong passwords and deactivated accounts get the same 401 after the same work.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import flask
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.registry.api.directory.common import sessions, settings
from services.registry.domain.members import Member, email_key
from services.registry.domain.passwords import needs_rehash, rehash, verify_password
from services.registry.domain.tokens import access_token_claims
from services.registry.store import credentials as credential_store
from services.registry.store import login_throttle
from services.registry.store import members as member_store
from services.registry.store.organisations import organisation_active
from shared.http.problems import ApiError
from shared.logging import get_logger

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth",
                description="Sign-in: access and refresh tokens.")
log = get_logger(__name__)


class CredentialsSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(1, 254))
    password = fields.String(required=True, validate=validate.Length(1, 1024))


class RefreshSchema(Schema):
    refresh_token = fields.String(required=True, validate=validate.Length(1, 200))


class TokenSchema(Schema):
    access_token = fields.String(metadata={"description": "JWT (EdDSA), for `Authorization: "
                                                          "Bearer`; verify with the JWKS."})
    token_type = fields.String(metadata={"example": "Bearer"})
    expires_in = fields.Integer(metadata={"description": "Seconds the access token is valid."})
    refresh_token = fields.String(metadata={"description": "Opaque, single use: exchange it "
                                                           "at /auth/refresh for new tokens."})


def _rejected() -> ApiError:
    return ApiError(401, "invalid_credentials", "Unauthorized",
                    detail="Adresse e-mail ou mot de passe incorrect.")


def _invalid_refresh() -> ApiError:
    return ApiError(401, "invalid_refresh_token", "Unauthorized",
                    detail="Session expirée ou révoquée : reconnectez-vous.")


def throttled(seconds: int) -> ApiError:
    return ApiError(429, "too_many_requests", "Too many failed sign-ins",
                    detail=f"Trop de tentatives échouées : réessayez dans {seconds} secondes.",
                    headers={"Retry-After": str(seconds)})


def _tokens(member: Member, refresh_token: str) -> dict:
    config = settings()
    claims = access_token_claims(
        member_id=str(member.id), organisation_id=str(member.organisation_id),
        roles=list(member.roles), issuer=config.jwt_issuer, audience=config.jwt_audience,
        ttl=config.access_token_ttl, now=int(time.time()))
    return {"access_token": flask.current_app.extensions["relais.keys"].sign(claims),
            "token_type": "Bearer", "expires_in": config.access_token_ttl,
            "refresh_token": refresh_token}


def client_address() -> str:
    return flask.request.remote_addr or "unknown"


def check_throttle(session, account: str) -> None:
    config = settings()
    wait = login_throttle.wait_seconds(
        session, account=account, address=client_address(), window=config.login_failure_window,
        account_limit=config.login_max_failures_per_account,
        address_limit=config.login_max_failures_per_address)
    if wait is not None:
        raise throttled(wait)


def record_failure(session, account: str) -> None:
    login_throttle.record_failure(session, account=account, address=client_address(),
                                  window=settings().login_failure_window)


@blp.route("/token")
class AccessToken(MethodView):
    @blp.arguments(CredentialsSchema)
    @blp.response(200, TokenSchema)
    def post(self, body):
        """Sign in with an e-mail and a password."""
        account = email_key(body["email"])
        with sessions().begin() as session:
            check_throttle(session, account)
            member = member_store.find_by_email(session, account)
            password_hash = credential_store.password_hash_of(session, member and member.id)
            allowed = bool(member and member.active
                           and organisation_active(session, member.organisation_id))
        # Outside any transaction: hashing takes tens of milliseconds.
        accepted = verify_password(password_hash, body["password"]) and allowed
        with sessions().begin() as session:
            if not accepted:
                record_failure(session, account)
            else:
                login_throttle.clear_account(session, account)
                if needs_rehash(password_hash):
                    credential_store.set_password_hash(session, member.id,
                                                       rehash(body["password"]))
                refresh_token = credential_store.issue_refresh_token(
                    session, member.id, ttl=settings().refresh_token_ttl)
        if not accepted:
            log.info("sign_in_rejected")
            raise _rejected()
        log.info("signed_in", member_id=str(member.id))
        return _tokens(member, refresh_token)


@blp.route("/refresh")
class Refresh(MethodView):
    @blp.arguments(RefreshSchema)
    @blp.response(200, TokenSchema)
    def post(self, body):
        """New tokens for a refresh token, which is used up (rotation).

        Presenting a token already used revokes its whole sign-in session: one of
        the two holders is not the member.
        """
        token = body["refresh_token"]
        rejection, member, next_token = None, None, None
        with sessions().begin() as session:
            found = credential_store.find_refresh_token(session, token)
            if found is None or found.revoked:
                rejection = "unknown_or_revoked"
            elif found.rotated:
                rejection = "reused"
            elif found.expires_at <= datetime.now(UTC):
                rejection = "expired"
            else:
                member = member_store.get(session, found.member_id)
                if not (member.active and organisation_active(session, member.organisation_id)):
                    rejection = "inactive"
                elif not credential_store.mark_rotated(session, token):
                    rejection = "reused"
                else:
                    next_token = credential_store.issue_refresh_token(
                        session, member.id, ttl=settings().refresh_token_ttl,
                        family_id=found.family_id, expires_at=found.expires_at)
            if rejection in ("reused", "inactive"):
                credential_store.revoke_family(session, found.family_id)
        if rejection:
            log.info("refresh_rejected", reason=rejection)
            raise _invalid_refresh()
        return _tokens(member, next_token)


@blp.route("/revoke")
class Revoke(MethodView):
    @blp.arguments(RefreshSchema)
    @blp.response(204)
    def post(self, body):
        """Sign out: the refresh token's session ends (an unknown token is not an error,
        as in RFC 7009). Access tokens already issued expire on their own (15 min)."""
        with sessions().begin() as session:
            found = credential_store.find_refresh_token(session, body["refresh_token"])
            if found is not None:
                credential_store.revoke_family(session, found.family_id)
        return None
