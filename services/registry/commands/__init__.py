"""Command-line groups of the registry, one module per part (each has `register(cli)`)."""
