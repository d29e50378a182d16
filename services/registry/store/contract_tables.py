"""Tables of contracts, territories, routing rules and pathways."""

from services.registry.store.tables import metadata  # noqa: F401  (one MetaData for the service)
