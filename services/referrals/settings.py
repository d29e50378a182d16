from dataclasses import dataclass

from shared.settings import ServiceSettings, load_settings, setting


@dataclass(frozen=True)
class ReferralsSettings(ServiceSettings):
    database_url: str = setting("sqlite:///var/referrals.db", secret=True)
    worker_heartbeat_file: str = setting("var/referrals-worker.heartbeat")
    public_url: str = setting("http://127.0.0.1:8002")


def load() -> ReferralsSettings:
    return load_settings(ReferralsSettings)
