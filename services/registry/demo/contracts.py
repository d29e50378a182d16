"""Demo data of the registry's contracts part (idempotent)."""


def load(session, settings) -> None:
    """Create or update this part's demo data in `session`'s transaction."""
