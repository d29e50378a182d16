"""Passwords, RPPS numbers, token claims, refresh digests and sign-in throttling."""

from datetime import UTC, datetime, timedelta

import pytest

from services.registry.domain import passwords
from services.registry.domain.members import is_valid_rpps
from services.registry.domain.sign_in import retry_after
from services.registry.domain.tokens import (
    access_token_claims,
    new_refresh_token,
    refresh_token_digest,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("password,ok", [
    ("a" * 11, False), ("a" * 12, True), ("correct horse battery", True),
    ("aaaaaaaaaaaa", True),  # no composition rules
    ("é" * 12, True), ("x" * 256, True), ("x" * 257, False),
])
def test_only_the_length_rule(password, ok):
    if ok:
        passwords.check_rules(password)
    else:
        with pytest.raises(passwords.WeakPassword):
            passwords.check_rules(password)


def test_hashes_are_argon2id_salted_and_verify():
    first, second = (passwords.hash_password("correct horse battery") for _ in range(2))
    assert first.startswith("$argon2id$") and first != second
    assert passwords.verify_password(first, "correct horse battery")
    assert not passwords.verify_password(first, "correct horse batterY")
    assert not passwords.needs_rehash(first)


def test_no_hash_is_checked_against_a_dummy_and_fails():
    assert not passwords.verify_password(None, "correct horse battery")
    assert not passwords.verify_password("not a hash", "correct horse battery")
    assert not passwords.verify_password(passwords.hash_password("x" * 12), "x" * 300)


@pytest.mark.parametrize("number,ok", [
    ("19999999998", True), ("10101201234", True),  # ANS's example: shape only, see docstring
    ("1999999999", False), ("199999999988", False), ("1999999999a", False), ("", False),
    ("1999999999８", False),  # a full-width digit is not an ASCII digit
    ("19999999998\n", False),
])
def test_rpps_numbers_are_eleven_digits(number, ok):
    assert is_valid_rpps(number) is ok


def test_claims_name_the_member_organisation_and_roles():
    claims = access_token_claims(member_id="m", organisation_id="o", roles=["referrer", "admin"],
                                 issuer="relais-registry", audience="relais", ttl=900, now=100)
    assert claims["sub"] == "m" and claims["org"] == "o" and claims["roles"] == ["admin",
                                                                                  "referrer"]
    assert (claims["iat"], claims["exp"], claims["aud"]) == (100, 1000, "relais")
    assert "org" not in access_token_claims(member_id="m", organisation_id=None, roles=[],
                                            issuer="i", audience="a", ttl=1, now=0)


def test_refresh_tokens_are_random_and_only_their_digest_is_kept():
    token = new_refresh_token()
    assert token != new_refresh_token() and len(token) >= 43
    assert refresh_token_digest(token) == refresh_token_digest(token)
    assert len(refresh_token_digest(token)) == 64 and token not in refresh_token_digest(token)


NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=15)


def test_under_the_limit_there_is_no_wait():
    failures = [NOW - timedelta(minutes=m) for m in range(4)]
    assert retry_after(failures, now=NOW, limit=5, window=WINDOW) is None


def test_at_the_limit_the_wait_lasts_until_the_oldest_counted_failure_leaves_the_window():
    failures = [NOW - timedelta(minutes=m) for m in (10, 3, 2, 1, 0)]
    assert retry_after(failures, now=NOW, limit=5, window=WINDOW) == 5 * 60
    older = [NOW - timedelta(minutes=20), *failures[1:]]
    assert retry_after(older, now=NOW, limit=5, window=WINDOW) is None, "outside the window"


def test_beyond_the_limit_the_wait_frees_just_enough_failures():
    failures = [NOW - timedelta(minutes=m) for m in (14, 12, 10, 3, 2, 1)]
    # Six in the window, limit five: two must leave; the second leaves in 3 minutes.
    assert retry_after(failures, now=NOW, limit=5, window=WINDOW) == 3 * 60
