"""Passwords: argon2id hashes, a length rule and nothing else.

NIST SP 800-63B: a minimum length, a generous maximum, no composition rules.
Unknown accounts are checked against a dummy hash so that the time taken does
not tell which e-mails have an account.
"""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 256  # argon2 takes any length; the bound keeps hashing cheap to refuse

_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) parameters


class WeakPassword(ValueError):
    """The password breaks the length rule; the message is for the person (French)."""


def check_rules(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"Le mot de passe doit compter au moins {MIN_LENGTH} caractères.")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"Le mot de passe ne peut dépasser {MAX_LENGTH} caractères.")


def hash_password(password: str) -> str:
    check_rules(password)
    return _hasher.hash(password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("not-a-password-of-anyone")


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if `password` matches; with no hash (unknown account, no password yet) the
    same work is done against a dummy hash and the answer is False."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with older parameters: rehash at the next sign-in."""
    return _hasher.check_needs_rehash(password_hash)


def rehash(password: str) -> str:
    """A fresh hash of a password that already passed verification (no rules: an old
    password shorter than today's minimum must still be upgradable)."""
    return _hasher.hash(password)
