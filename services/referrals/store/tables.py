"""The service's tables. Read models of the registry live here; referral tables in
`referral_tables` (same metadata)."""

from datetime import UTC

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    TypeDecorator,
    Uuid,
)

from shared.readmodel_tables import organisation_directory_table

metadata = MetaData()


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on PostgreSQL and SQLite alike (SQLite returns naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC) if value is not None else None


organisation_directory = organisation_directory_table(metadata)

# Read models of the registry (registry.* events), applied only if newer. Columns other
# than id/version/deleted are nullable: a deletion may arrive before the creation.
contract_directory = Table(
    "contract_directory", metadata,
    Column("id", Uuid, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("name", String(300)),
    Column("status", String(20)),
    Column("communes", JSON),
    Column("coordinator_member_id", Uuid),
    Column("fallback_organisation_id", Uuid),
    Column("reminder_after_days", Integer),
    Column("expire_after_days", Integer),
)

routing_rules = Table(
    "routing_rules", metadata,
    Column("id", Uuid, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("contract_id", Uuid, index=True),
    Column("communes", JSON),
    Column("need_category", String(50)),
    Column("organisation_id", Uuid),
    Column("precedence", Integer),
    Column("active", Boolean),
)

need_categories = Table(
    "need_categories", metadata,
    Column("id", Uuid, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("code", String(50), index=True),
    Column("label", String(200)),
    Column("active", Boolean),
)

pathways = Table(
    "pathways", metadata,
    Column("id", Uuid, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("contract_id", Uuid),
    Column("name", String(200)),
    Column("active", Boolean),
    Column("steps", JSON),  # [{position, name, need_category, organisation_id}]
)

actions = Table(
    "action_directory", metadata,
    Column("id", Uuid, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("contract_id", Uuid),
    Column("code", String(30)),
    Column("status", String(40)),
)

member_directory = Table(
    "member_directory", metadata,
    Column("id", Uuid, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("organisation_id", Uuid),
    Column("roles", JSON),
    Column("active", Boolean),
)

# One row: bumped by every read-model change, so an API process can keep the routing
# tables in memory and know with one cheap read whether they are still current.
read_model_state = Table(
    "read_model_state", metadata,
    Column("id", Integer, primary_key=True),
    Column("generation", BigInteger, nullable=False),
)

READ_MODELS = (contract_directory, routing_rules, need_categories, pathways, member_directory,
               actions)
