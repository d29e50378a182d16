"""Where the encryption and blind-index keys come from.

Deployment sets RELAIS_ENCRYPTION_KEYS and RELAIS_BLIND_INDEX_KEY. A local run
with neither gets keys generated once into a 0600 file under var/ (with a
warning), so `make run` works and a second run still reads its data.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet

from services.referrals.store.cipher import BlindIndex, IdentityCipher, Protection
from shared.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class Keys:
    encryption: tuple[str, ...]  # newest first
    blind_index: bytes


def load_keys(settings) -> Keys:
    """The keys from the settings, or from (a newly generated) local key file."""
    if settings.encryption_keys:
        encryption = tuple(k.strip() for k in settings.encryption_keys.split(",") if k.strip())
        return Keys(encryption, settings.blind_index_key.encode())
    return _local_keys(Path(settings.key_file))


def protection_from(settings) -> Protection:
    keys = load_keys(settings)
    return Protection(IdentityCipher(keys.encryption), BlindIndex(keys.blind_index))


def _local_keys(path: Path) -> Keys:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        content = {"encryption_keys": [Fernet.generate_key().decode()],
                   "blind_index_key": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()}
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(content, handle)
        log.warning("referrals.keys_generated", path=str(path),
                    hint="set RELAIS_ENCRYPTION_KEYS and RELAIS_BLIND_INDEX_KEY in deployment")
    content = json.loads(path.read_text())
    log.warning("referrals.local_keys_in_use", path=str(path))
    return Keys(tuple(content["encryption_keys"]), content["blind_index_key"].encode())


def add_local_key(path: Path) -> None:
    """Put a new newest key in the local key file (rotation on a local run)."""
    content = json.loads(path.read_text())
    content["encryption_keys"].insert(0, Fernet.generate_key().decode())
    path.write_text(json.dumps(content))
