from services.notifications.cli import cli

cli()
