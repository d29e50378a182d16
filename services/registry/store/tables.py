from sqlalchemy import Boolean, Column, DateTime, Index, Integer, MetaData, String, Table, Uuid

# One MetaData for the whole registry: contract_tables and plan_tables add to it.

metadata = MetaData()

organisations = Table(
    "organisations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
Index("ix_organisations_kind", organisations.c.kind, organisations.c.id)

need_categories = Table(
    "need_categories",
    metadata,
    Column("code", String(50), primary_key=True),
    Column("label", String(200), nullable=False),
    Column("active", Boolean, nullable=False),
    # Events about a category carry a UUID id like every entity: stable per code.
    Column("id", Uuid, nullable=False, unique=True),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
