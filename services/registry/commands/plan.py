"""Commands of the registry's plan part."""


def register(cli) -> None:
    """Add this part's commands to the registry's click group."""
