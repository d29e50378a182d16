"""Token verification against a real JWKS server, and the view guards (401 / 403 / 503)."""

import base64
import hashlib
import hmac
import json
import time

import pytest
from cryptography.hazmat.primitives import serialization
from flask.views import MethodView
from flask_smorest import Blueprint

from shared.auth import (
    AuthError,
    AuthUnavailable,
    Principal,
    TokenVerifier,
    authenticated,
    current_principal,
    init_auth,
    require_roles,
)
from shared.http import create_service_app
from shared.testing.tokens import TokenFactory, serve_jwks

pytestmark = pytest.mark.unit

AUDIENCE, ISSUER = "relais", "relais-registry"


@pytest.fixture(scope="module")
def factory():
    return TokenFactory()


@pytest.fixture(scope="module")
def jwks_url(factory):
    with serve_jwks(factory) as url:
        yield url


@pytest.fixture
def verifier(jwks_url):
    return TokenVerifier(jwks_url, audience=AUDIENCE, issuer=ISSUER)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned_part(header: dict, claims: dict) -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"


def unsigned_claims(**overrides) -> dict:
    now = int(time.time())
    claims = {"sub": "m", "roles": ["admin"], "aud": AUDIENCE, "iss": ISSUER,
              "iat": now, "exp": now + 300}
    return {**claims, **overrides}


def test_valid_token_gives_the_principal(factory, verifier):
    token = factory.issue(sub="member-7", org="org-3", roles=("handler", "coordinator"))
    assert verifier.verify(token) == Principal(
        "member-7", "org-3", frozenset({"handler", "coordinator"})
    )


def test_admin_token_may_have_no_organisation(factory, verifier):
    principal = verifier.verify(factory.issue(org=None, roles=("admin",)))
    assert principal.organisation_id is None
    assert principal.has_any("admin", "handler")
    assert not principal.has_any("referrer")


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"ttl": -60}, id="expired beyond leeway"),
        pytest.param({"audience": "other-app"}, id="wrong audience"),
        pytest.param({"issuer": "evil-registry"}, id="wrong issuer"),
        pytest.param({"exp": None}, id="missing exp"),
        pytest.param({"iat": None}, id="missing iat"),
        pytest.param({"roles": ("superuser",)}, id="unknown role"),
        pytest.param({"roles": "admin"}, id="roles not a list"),
        pytest.param({"sub": ""}, id="empty subject"),
    ],
)
def test_bad_claims_are_rejected(factory, verifier, claims):
    with pytest.raises(AuthError):
        verifier.verify(factory.issue(**claims))


def test_expiry_within_leeway_is_tolerated(factory, verifier):
    assert verifier.verify(factory.issue(ttl=-5)).member_id == "member-1"


def test_alg_none_is_rejected(factory, verifier):
    header = {"alg": "none", "typ": "JWT", "kid": factory.kid}
    token = unsigned_part(header, unsigned_claims()) + "."
    with pytest.raises(AuthError):
        verifier.verify(token)


def test_hs256_signed_with_the_public_key_is_rejected(factory, verifier):
    # Key confusion: an HMAC made with the (public) verification key as its secret.
    public_pem = factory.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": factory.kid}
    signing_input = unsigned_part(header, unsigned_claims())
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    with pytest.raises(AuthError):
        verifier.verify(f"{signing_input}.{b64(signature)}")


def test_token_from_a_key_not_in_the_jwks_is_rejected(verifier):
    with pytest.raises(AuthError, match="no usable key"):
        verifier.verify(TokenFactory().issue())


def test_forged_kid_with_another_key_fails_the_signature(factory, verifier):
    impostor = TokenFactory(kid=factory.kid)
    with pytest.raises(AuthError, match="invalid token"):
        verifier.verify(impostor.issue(roles=("admin",)))


def test_garbage_is_rejected(verifier):
    with pytest.raises(AuthError):
        verifier.verify("not.a.jwt")


def test_two_served_keys_are_both_valid():
    old, new = TokenFactory(), TokenFactory()
    with serve_jwks(old, new) as url:
        verifier = TokenVerifier(url, audience=AUDIENCE, issuer=ISSUER)
        assert verifier.verify(old.issue(sub="a")).member_id == "a"
        assert verifier.verify(new.issue(sub="b")).member_id == "b"


class KeyRing:
    """A JWKS source whose keys change during the test (the registry rotating)."""

    def __init__(self, *factories):
        self.factories = list(factories)

    def jwks(self):
        return {"keys": [k for f in self.factories for k in f.jwks()["keys"]]}


def test_unknown_kid_refetches_the_jwks_so_rotation_works():
    old, new = TokenFactory(), TokenFactory()
    ring = KeyRing(old)
    with serve_jwks(ring) as url:
        verifier = TokenVerifier(url, AUDIENCE, ISSUER, refetch_cooldown_seconds=0)
        verifier.verify(old.issue())  # caches a JWKS without the new key
        ring.factories.append(new)
        assert verifier.verify(new.issue(sub="rotated")).member_id == "rotated"


def test_keys_are_cached(factory):
    with serve_jwks(factory) as url:
        verifier = TokenVerifier(url, AUDIENCE, ISSUER)
        verifier.verify(factory.issue())
    # The server is gone: only the cached key set can verify this.
    assert verifier.verify(factory.issue(sub="again")).member_id == "again"


def test_unreachable_jwks_is_auth_unavailable(factory):
    with serve_jwks(factory) as url:
        pass  # closed: nothing listens on that port any more
    verifier = TokenVerifier(url, AUDIENCE, ISSUER)
    with pytest.raises(AuthUnavailable):
        verifier.verify(factory.issue())


# --- view guards ---------------------------------------------------------------------


def make_app(jwks_url):
    blp = Blueprint("cases", __name__, url_prefix="/api/v1/cases")

    @blp.route("/")
    class Cases(MethodView):
        @authenticated
        def get(self):
            principal = current_principal()
            return {"member": principal.member_id, "org": principal.organisation_id}

        @require_roles("coordinator", "admin")
        def delete(self):
            return "", 204

    app = create_service_app(
        name="auth-test", blueprints=[blp], readiness_checks={}, config={"TESTING": True}
    )
    init_auth(app, TokenVerifier(jwks_url, AUDIENCE, ISSUER))
    return app


@pytest.fixture
def client(jwks_url):
    return make_app(jwks_url).test_client()


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_authenticated_view_sees_the_principal(client, factory):
    response = client.get("/api/v1/cases/", headers=bearer(factory.issue(sub="m1", org="o1")))
    assert response.status_code == 200
    assert response.get_json() == {"member": "m1", "org": "o1"}


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer "},
     {"Authorization": "Bearer not.a.jwt"}],
)
def test_missing_or_invalid_token_is_401(client, headers):
    response = client.get("/api/v1/cases/", headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.get_json(force=True)["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_expired_token_is_401(client, factory):
    response = client.get("/api/v1/cases/", headers=bearer(factory.issue(ttl=-3600)))
    assert response.status_code == 401


def test_role_guard_401_then_403_then_allowed(client, factory):
    assert client.delete("/api/v1/cases/").status_code == 401
    referrer = bearer(factory.issue(roles=("referrer",)))
    response = client.delete("/api/v1/cases/", headers=referrer)
    assert response.status_code == 403
    assert response.get_json(force=True)["code"] == "forbidden"
    coordinator = bearer(factory.issue(roles=("coordinator",)))
    assert client.delete("/api/v1/cases/", headers=coordinator).status_code == 204


def test_unreachable_jwks_is_503_auth_unavailable(factory):
    with serve_jwks(factory) as url:
        pass
    client = make_app(url).test_client()
    response = client.get("/api/v1/cases/", headers=bearer(factory.issue()))
    assert response.status_code == 503
    assert response.get_json(force=True)["code"] == "auth_unavailable"


def test_require_roles_refuses_unknown_role_names():
    with pytest.raises(ValueError):
        require_roles("superadmin")

