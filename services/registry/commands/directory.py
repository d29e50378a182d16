"""Commands of the registry's directory part."""


def register(cli) -> None:
    """Add this part's commands to the registry's click group."""
