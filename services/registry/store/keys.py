"""The registry's token-signing keys: Ed25519 PEM files in one folder.

The newest key signs; every key in the folder is published in the JWKS, so a
new key can be added (published first) and an old one removed later: two keys
are valid at once during a rotation.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey

    def public_jwk(self) -> dict:
        jwk = json.loads(OKPAlgorithm.to_jwk(self.private_key.public_key()))
        return {**jwk, "kid": self.kid, "alg": "EdDSA", "use": "sig"}


class KeyStore:
    def __init__(self, directory: str | Path):
        self.directory = Path(directory)

    def keys(self) -> list[SigningKey]:
        """All keys, newest first; creates the first key when the folder is empty."""
        files = sorted(self.directory.glob("*.pem"), key=lambda p: p.name, reverse=True)
        if not files:
            return [self.add_key()]
        return [SigningKey(path.stem, serialization.load_pem_private_key(
            path.read_bytes(), password=None)) for path in files]

    def add_key(self) -> SigningKey:
        """Generate a new key; it signs from now on (names sort by creation time)."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = Ed25519PrivateKey.generate()
        kid = f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{time.time_ns() % 10**6:06d}"
        path = self.directory / f"{kid}.pem"
        path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
        path.chmod(0o600)
        return SigningKey(kid, key)

    def jwks(self) -> dict:
        return {"keys": [key.public_jwk() for key in self.keys()]}

    def sign(self, claims: dict) -> str:
        key = self.keys()[0]
        return jwt.encode(claims, key.private_key, algorithm="EdDSA", headers={"kid": key.kid})
