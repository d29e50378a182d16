"""`python -m services.referrals <command>`."""

from pathlib import Path

from services.referrals import worker
from services.referrals.settings import load
from shared.service import service_cli

cli = service_cli("referrals", load=load, migrations_dir=Path(__file__).parent / "migrations",
                  run_worker=worker.run)
