from dataclasses import dataclass

from shared.settings import ServiceSettings, SettingsError, load_settings, setting


@dataclass(frozen=True)
class NotificationsSettings(ServiceSettings):
    database_url: str = setting("sqlite:///var/notifications.db", secret=True)
    worker_heartbeat_file: str = setting("var/notifications-worker.heartbeat")
    public_url: str = setting("http://127.0.0.1:8003")
    # Links in e-mails and webhooks point here (they need sign-in: a reference, never a name).
    portal_url: str = setting("http://127.0.0.1:8000")

    smtp_host: str = setting("127.0.0.1")
    smtp_port: int = setting(1025)
    smtp_username: str = setting("")
    smtp_password: str = setting("", secret=True)
    smtp_starttls: bool = setting(False)
    smtp_ssl: bool = setting(False)  # implicit TLS (port 465)
    smtp_from: str = setting("relais@localhost")
    smtp_timeout: float = setting(10.0)

    webhook_timeout: float = setting(5.0)
    # How long the previous secret keeps signing after a rotation.
    webhook_secret_grace_hours: int = setting(24)

    # Deliveries: retried with exponential backoff and jitter, then dead.
    delivery_max_attempts: int = setting(8)
    delivery_base_delay: float = setting(30.0)
    delivery_max_delay: float = setting(3600.0)
    # A claimed delivery not marked `sending` within this (a crashed worker) is taken
    # again; one left `sending` longer (it may have arrived) becomes `uncertain`. Keep it
    # well above the longest send (SMTP and webhook timeouts).
    delivery_lease_seconds: float = setting(120.0)
    dispatch_every_seconds: float = setting(1.0)
    dispatch_batch_size: int = setting(50)

    # The daily digest leaves at this hour, Europe/Paris time.
    digest_hour: int = setting(8)
    digest_every_seconds: float = setting(60.0)

    def validate(self) -> None:
        super().validate()
        if not 0 <= self.digest_hour <= 23:
            raise SettingsError("RELAIS_DIGEST_HOUR: expected an hour from 0 to 23")
        if self.smtp_ssl and self.smtp_starttls:
            raise SettingsError("RELAIS_SMTP_SSL: cannot be combined with RELAIS_SMTP_STARTTLS")
        for name in ("delivery_max_attempts", "dispatch_batch_size"):
            if getattr(self, name) < 1:
                raise SettingsError(f"RELAIS_{name.upper()}: must be at least 1")
        for name in ("delivery_base_delay", "delivery_lease_seconds", "dispatch_every_seconds",
                     "digest_every_seconds", "smtp_timeout", "webhook_timeout"):
            if getattr(self, name) <= 0:
                raise SettingsError(f"RELAIS_{name.upper()}: must be positive")


def load() -> NotificationsSettings:
    return load_settings(NotificationsSettings)
