"""Encryption at rest of personal data, and the keyed blind index of identities.

MultiFernet: the first key encrypts, every key decrypts, `rotate` re-encrypts a
token with the first key (RELAIS_ENCRYPTION_KEYS lists the newest first).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from services.referrals.domain.identity import Identity, normalised_identity


class IdentityCipher:
    def __init__(self, keys: tuple[str, ...] | list[str]):
        if not keys:
            raise ValueError("at least one encryption key is needed")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    def encrypt(self, value: str | None) -> str | None:
        if value is None:
            return None
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str | None) -> str | None:
        if token is None:
            return None
        return self._fernet.decrypt(token.encode()).decode()

    def rotate(self, token: str | None) -> str | None:
        """The same plaintext encrypted with the newest key."""
        if token is None:
            return None
        return self._fernet.rotate(token.encode()).decode()


class BlindIndex:
    """HMAC-SHA256 of the normalised identity: equal for the same person, useless
    without the key (unlike a bare hash, names and birth dates can't be tried)."""

    def __init__(self, key: bytes):
        if len(key) < 16:
            raise ValueError("the blind index key must be at least 16 bytes")
        self._key = key

    def of(self, identity: Identity) -> str:
        return self.digest(normalised_identity(identity))

    def digest(self, text: str) -> str:
        return hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Protection:
    """What personal data is protected with: the cipher and the blind index."""

    cipher: IdentityCipher
    blind_index: BlindIndex


__all__ = ["BlindIndex", "IdentityCipher", "InvalidToken", "Protection"]
