from dataclasses import dataclass

from shared.settings import ServiceSettings, SettingsError, load_settings, setting


@dataclass(frozen=True)
class RegistrySettings(ServiceSettings):
    database_url: str = setting("sqlite:///var/registry.db", secret=True)
    worker_heartbeat_file: str = setting("var/registry-worker.heartbeat")
    public_url: str = setting("http://127.0.0.1:8001")
    # Ed25519 private keys (PEM), one file each; the newest signs, all are published.
    signing_key_dir: str = setting("var/registry-keys")
    access_token_ttl: int = setting(900)
    # A sign-in session (its refresh-token family) lasts a working day, then sign in again.
    refresh_token_ttl: int = setting(43_200)
    # Failed sign-ins tolerated in the window, per account and per client address
    # (an address is shared by a whole office behind NAT: a wider allowance).
    login_max_failures_per_account: int = setting(5)
    login_max_failures_per_address: int = setting(30)
    login_failure_window: int = setting(900)

    def validate(self) -> None:
        super().validate()
        for name in ("access_token_ttl", "refresh_token_ttl", "login_max_failures_per_account",
                     "login_max_failures_per_address", "login_failure_window"):
            if getattr(self, name) < 1:
                raise SettingsError(f"RELAIS_{name.upper()}: must be at least 1")


def load() -> RegistrySettings:
    return load_settings(RegistrySettings)
