from services.registry.store import contract_tables, plan_tables  # noqa: F401  (their tables)
from services.registry.store.tables import metadata
from shared.messaging.schema import metadata as messaging_metadata
from shared.migrations import run_migrations

run_migrations([metadata, messaging_metadata])
