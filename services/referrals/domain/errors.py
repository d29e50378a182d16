"""Refusals the API turns into problem+json (messages in French: people read them)."""


class InvalidReferral(ValueError):
    """A 422 naming `field` (dotted path in the request body)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class StateConflict(Exception):
    """A 409: the referral's state does not allow this."""
