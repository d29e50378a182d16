"""Encryption round trip and rotation; keys from settings or a local 0600 file."""

import os
import stat

import pytest
from cryptography.fernet import Fernet, InvalidToken

from services.referrals.settings import ReferralsSettings
from services.referrals.store.cipher import IdentityCipher
from services.referrals.store.keys import add_local_key, load_keys
from shared.settings import SettingsError, load_settings

pytestmark = pytest.mark.unit


def test_round_trip_and_rotation():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    before = IdentityCipher([old])
    token = before.encrypt("Zéphyrine")
    assert "Zéphyrine" not in token and before.decrypt(token) == "Zéphyrine"
    assert before.encrypt(None) is None and before.decrypt(None) is None
    during = IdentityCipher([new, old])
    assert during.decrypt(token) == "Zéphyrine", "old data stays readable"
    rotated = during.rotate(token)
    assert IdentityCipher([new]).decrypt(rotated) == "Zéphyrine"
    with pytest.raises(InvalidToken):
        IdentityCipher([new]).decrypt(token)


def test_local_keys_are_generated_once_in_a_private_file(tmp_path):
    path = tmp_path / "var" / "keys.json"
    settings = load_settings(ReferralsSettings, {}, key_file=str(path))
    first = load_keys(settings)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_keys(settings) == first, "a second run reads the same keys"
    add_local_key(path)
    rotated = load_keys(settings)
    assert rotated.encryption[1:] == first.encryption and len(rotated.encryption) == 2


def test_keys_from_the_environment_newest_first():
    keys = [Fernet.generate_key().decode() for _ in range(2)]
    settings = load_settings(ReferralsSettings, {"RELAIS_ENCRYPTION_KEYS": ",".join(keys),
                                                 "RELAIS_BLIND_INDEX_KEY": "b" * 32})
    loaded = load_keys(settings)
    assert loaded.encryption == tuple(keys) and loaded.blind_index == b"b" * 32


def test_one_key_without_the_other_is_a_configuration_error():
    with pytest.raises(SettingsError, match="RELAIS_BLIND_INDEX_KEY"):
        load_settings(ReferralsSettings, {"RELAIS_ENCRYPTION_KEYS": Fernet.generate_key()
                                          .decode()})
