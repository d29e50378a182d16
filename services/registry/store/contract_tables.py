"""Tables of contracts, territories, routing rules and pathways."""

from sqlalchemy import Column, DateTime, Integer, String, Table, Uuid

from services.registry.store.tables import metadata

contracts = Table(
    "contracts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(300), nullable=False),
    Column("status", String(20), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
