"""`python -m services.notifications <command>`."""

from pathlib import Path

from services.notifications import worker
from services.notifications.settings import load
from shared.service import service_cli

cli = service_cli("notifications", load=load, migrations_dir=Path(__file__).parent / "migrations",
                  run_worker=worker.run)
