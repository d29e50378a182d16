from sqlalchemy import Boolean, Column, DateTime, Index, Integer, MetaData, String, Table, Uuid

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
