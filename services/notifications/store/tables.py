"""The notifications database: read models of the registry, then what this service owns."""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
    Uuid,
)

from shared.readmodel_tables import organisation_directory_table

metadata = MetaData()

organisation_directory = organisation_directory_table(metadata)

# -- read models (registry.*), applied only when newer: revision 0002_read_models -------------
# Members: only what routing a notification needs. No display name: no template shows one.
member_directory = Table(
    "member_directory", metadata,
    Column("id", Uuid, primary_key=True),
    Column("organisation_id", Uuid, nullable=False, index=True),
    Column("email", String(320), nullable=False),
    Column("roles", JSON, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

contract_directory = Table(
    "contract_directory", metadata,
    Column("id", Uuid, primary_key=True),
    Column("coordinator_member_id", Uuid),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

need_category_labels = Table(
    "need_category_labels", metadata,
    Column("id", Uuid, primary_key=True),
    Column("code", String(50), nullable=False, index=True),
    Column("label", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

meeting_directory = Table(
    "meeting_directory", metadata,
    Column("id", Uuid, primary_key=True),
    Column("body_id", Uuid, nullable=False),
    Column("member_ids", JSON, nullable=False),
    Column("status", String(20), nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

READ_MODELS = (member_directory, contract_directory, need_category_labels, meeting_directory)

# -- inbox and deliveries: revision 0003_deliveries --------------------------------------------
inbox_items = Table(
    "inbox_items", metadata,
    Column("id", Uuid, primary_key=True),  # time-ordered (UUIDv7): newest first by id
    Column("member_id", Uuid, nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("kind", String(80), nullable=False),
    Column("title", String(300), nullable=False),
    Column("summary", JSON, nullable=False),
    Column("critical", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("read_at", DateTime(timezone=True)),
    UniqueConstraint("event_id", "member_id", name="uq_inbox_items_event_member"),
)
Index("ix_inbox_items_member", inbox_items.c.member_id, inbox_items.c.id)

deliveries = Table(
    "deliveries", metadata,
    Column("id", Uuid, primary_key=True),  # time-ordered (UUIDv7)
    Column("event_id", String(36), nullable=False),
    Column("event_type", String(100), nullable=False),
    Column("kind", String(80), nullable=False),
    Column("channel", String(10), nullable=False),
    # The member id (in_app, email) or the subscription id (webhook): part of the unique key.
    Column("recipient_key", String(36), nullable=False),
    Column("recipient_member_id", Uuid),
    Column("organisation_id", Uuid),
    Column("subscription_id", Uuid),
    # pending -> claimed -> sending -> sent | failed (retried) -> dead; sending whose lease
    # ran out -> uncertain (may have arrived: replayed by a person only);
    # deferred -> digested (daily digest). No CHECK: the values live in store/deliveries.py.
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("lease_expires_at", DateTime(timezone=True)),
    # Which claim holds the row (claimed, sending): fences a taker whose lease ran out.
    # Revision 0005_at_most_once, like attempted_at (when the last network call began).
    Column("claim_id", Uuid),
    Column("attempted_at", DateTime(timezone=True)),
    Column("last_error", String(500)),
    Column("summary", JSON, nullable=False),
    Column("digest_id", Uuid),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    UniqueConstraint("event_id", "recipient_key", "channel",
                     name="uq_deliveries_event_recipient_channel"),
)
Index("ix_deliveries_due", deliveries.c.status, deliveries.c.next_attempt_at)
Index("ix_deliveries_member_status", deliveries.c.recipient_member_id, deliveries.c.status)

# -- preferences and webhook subscriptions: revision 0004_preferences ------------------------
member_preferences = Table(
    "member_preferences", metadata,
    Column("member_id", Uuid, nullable=False),
    Column("kind", String(80), nullable=False),
    Column("channel", String(10), nullable=False),
    Column("mode", String(12), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("member_id", "kind", "channel"),
)

organisation_preferences = Table(
    "organisation_preferences", metadata,
    Column("organisation_id", Uuid, nullable=False),
    Column("kind", String(80), nullable=False),
    Column("channel", String(10), nullable=False),
    Column("mode", String(12), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("organisation_id", "kind", "channel"),
)

webhook_subscriptions = Table(
    "webhook_subscriptions", metadata,
    Column("id", Uuid, primary_key=True),
    Column("organisation_id", Uuid, nullable=False, index=True),
    Column("url", String(2000), nullable=False),
    Column("event_types", JSON, nullable=False),
    Column("secret", String(100), nullable=False),
    Column("previous_secret", String(100)),
    Column("previous_secret_expires_at", DateTime(timezone=True)),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
