from dataclasses import dataclass

from shared.settings import PREFIX, ServiceSettings, SettingsError, load_settings, setting


@dataclass(frozen=True)
class ReferralsSettings(ServiceSettings):
    database_url: str = setting("sqlite:///var/referrals.db", secret=True)
    worker_heartbeat_file: str = setting("var/referrals-worker.heartbeat")
    public_url: str = setting("http://127.0.0.1:8002")
    # Fernet keys, comma-separated, newest first (the newest encrypts, all decrypt).
    # Empty for a local run: keys are generated once into `key_file` (0600).
    encryption_keys: str = setting("", secret=True)
    # HMAC-SHA256 key of the blind index used to find duplicates without decrypting.
    blind_index_key: str = setting("", secret=True)
    key_file: str = setting("var/referrals-keys.json")
    referential_dir: str = setting("var/referential")
    # Identities of closed referrals are anonymised this many days after closure.
    retention_days: int = setting(730)
    # How often the worker anonymises what is past retention (0: only by the CLI).
    retention_sweep_hours: float = setting(24.0)
    idempotency_hours: int = setting(24)
    periodic_seconds: float = setting(60.0)

    def validate(self) -> None:
        super().validate()
        if self.retention_days < 1:
            raise SettingsError(f"{PREFIX}RETENTION_DAYS: must be at least 1")
        if self.idempotency_hours < 1:
            raise SettingsError(f"{PREFIX}IDEMPOTENCY_HOURS: must be at least 1")
        if bool(self.encryption_keys) != bool(self.blind_index_key):
            raise SettingsError(f"{PREFIX}ENCRYPTION_KEYS and {PREFIX}BLIND_INDEX_KEY: "
                                "set both or neither")


def load() -> ReferralsSettings:
    return load_settings(ReferralsSettings)
