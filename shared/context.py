"""Per-request / per-event context that must follow the work across process boundaries."""

from contextvars import ContextVar

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)


def current_correlation_id() -> str | None:
    """The id of the request or event that caused the current work, if any."""
    return correlation_id.get()
