"""Read-model tables more than one consumer keeps (each in its own database)."""

from sqlalchemy import Boolean, Column, DateTime, Integer, MetaData, String, Table, Uuid


def organisation_directory_table(metadata: MetaData) -> Table:
    """Organisations as the registry last announced them (registry.organisation.*)."""
    return Table(
        "organisation_directory",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("name", String(200), nullable=False),
        Column("kind", String(40), nullable=False),
        Column("active", Boolean, nullable=False),
        Column("version", Integer, nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
    )
