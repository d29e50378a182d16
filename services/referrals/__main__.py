from services.referrals.cli import cli

cli()
