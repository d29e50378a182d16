from services.portal.cli import cli

cli()
