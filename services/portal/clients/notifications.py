"""The notifications service: the member's inbox and preferences."""

from __future__ import annotations

from services.portal.clients.base import ApiClient

API = "/api/v1"
UNREAD_FIELD = "unread"


class NotificationsClient(ApiClient):
    service = "notifications"

    def unread_count(self) -> int:
        body = self.get(f"{API}/inbox/unread-count") or {}
        return int(body.get(UNREAD_FIELD) or 0)

    def inbox(self, after: str | None = None, limit: int = 20) -> dict:
        return self.get(f"{API}/inbox", params={"after": after, "limit": limit}) or {}

    def mark_read(self, notification_id: str) -> None:
        self.post(f"{API}/inbox/{notification_id}/read")

    def mark_all_read(self) -> None:
        self.post(f"{API}/inbox/read-all")

    def preferences(self) -> dict:
        return self.get(f"{API}/preferences") or {}

    def save_preference(self, event_type: str, channel: str, mode: str) -> dict:
        body = {"event_type": event_type, "channel": channel, "mode": mode}
        return self.call("PUT", f"{API}/preferences", json=body).body
