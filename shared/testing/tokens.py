"""Access tokens for tests: an Ed25519 signing key, its JWKS, and a real JWKS server."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

JWKS_PATH = "/.well-known/jwks.json"


class TokenFactory:
    """Issues EdDSA-signed access tokens shaped like the registry's."""

    def __init__(self, kid: str | None = None) -> None:
        self.kid = kid or f"test-{uuid.uuid4().hex[:12]}"
        self.private_key = Ed25519PrivateKey.generate()

    def jwks(self) -> dict:
        """The public key as a JWK set ``{"keys": [...]}``."""
        jwk = OKPAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "EdDSA"}]}

    def issue(
        self,
        sub: str = "member-1",
        org: str | None = "org-1",
        roles: tuple[str, ...] = ("referrer",),
        audience: str = "relais",
        issuer: str = "relais-registry",
        ttl: int = 300,
        **extra_claims,
    ) -> str:
        """A signed token; ``extra_claims`` override the defaults, and a claim set to
        ``None`` is left out (``exp=None`` makes a token without expiry)."""
        now = int(time.time())
        claims = {
            "sub": sub,
            "org": org,
            "roles": list(roles),
            "aud": audience,
            "iss": issuer,
            "iat": now,
            "exp": now + ttl,
            **extra_claims,
        }
        claims = {name: value for name, value in claims.items() if value is not None}
        return jwt.encode(claims, self.private_key, algorithm="EdDSA", headers={"kid": self.kid})


@contextmanager
def serve_jwks(*factories) -> Iterator[str]:
    """Serve the merged JWKS of ``factories`` over real HTTP; yields its URL.

    Several factories at once means several valid keys (rotation). The set is rebuilt on
    every request from each object's ``jwks()``, so any object with that method works,
    including one whose keys change during the test.
    """

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path != JWKS_PATH:
                self.send_error(404)
                return
            keys = [key for factory in factories for key in factory.jwks()["keys"]]
            body = json.dumps({"keys": keys}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args):  # keep test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # A short poll interval so leaving the context (shutdown) is quick.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="jwks-server",
        daemon=True,
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{JWKS_PATH}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
