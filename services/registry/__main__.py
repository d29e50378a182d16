from services.registry.cli import cli

cli()
