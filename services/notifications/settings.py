from dataclasses import dataclass

from shared.settings import ServiceSettings, load_settings, setting


@dataclass(frozen=True)
class NotificationsSettings(ServiceSettings):
    database_url: str = setting("sqlite:///var/notifications.db", secret=True)
    worker_heartbeat_file: str = setting("var/notifications-worker.heartbeat")
    public_url: str = setting("http://127.0.0.1:8003")


def load() -> NotificationsSettings:
    return load_settings(NotificationsSettings)
