from dataclasses import dataclass

from shared.settings import ServiceSettings, load_settings, setting


@dataclass(frozen=True)
class RegistrySettings(ServiceSettings):
    database_url: str = setting("sqlite:///var/registry.db", secret=True)
    worker_heartbeat_file: str = setting("var/registry-worker.heartbeat")
    public_url: str = setting("http://127.0.0.1:8001")
    # Ed25519 private keys (PEM), one file each; the newest signs, all are published.
    signing_key_dir: str = setting("var/registry-keys")
    access_token_ttl: int = setting(900)


def load() -> RegistrySettings:
    return load_settings(RegistrySettings)
