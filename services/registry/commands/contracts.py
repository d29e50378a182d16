"""Commands of the registry's contracts part."""


def register(cli) -> None:
    """Add this part's commands to the registry's click group."""
