"""Tables of the action plan, indicators, governance and lineage."""

from services.registry.store.tables import metadata  # noqa: F401  (one MetaData for the service)
