"""The directory's tables: organisations, members, sign-in, need categories.

One MetaData for the whole registry: contract_tables and plan_tables add to it.
`organisations` and `need_categories` are created by migrations 0001 and 0002;
everything else here by 0004_directory (which also adds the contact columns).
"""

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
)

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
    # The structure's generic contact (accueil), never a person's.
    Column("phone", String(30), nullable=True),
    Column("email", String(254), nullable=True),
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

organisation_communes = Table(
    "organisation_communes",
    metadata,
    Column("organisation_id", Uuid, ForeignKey("organisations.id"), primary_key=True),
    Column("commune", String(5), primary_key=True),  # INSEE code
)
Index("ix_organisation_communes_commune", organisation_communes.c.commune,
      organisation_communes.c.organisation_id)

organisation_need_categories = Table(
    "organisation_need_categories",
    metadata,
    Column("organisation_id", Uuid, ForeignKey("organisations.id"), primary_key=True),
    Column("need_category", String(50), ForeignKey("need_categories.code"), primary_key=True),
)
Index("ix_organisation_need_categories_category",
      organisation_need_categories.c.need_category, organisation_need_categories.c.organisation_id)

members = Table(
    "members",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("organisation_id", Uuid, ForeignKey("organisations.id"), nullable=False),
    Column("email", String(254), nullable=False),
    # Lower-cased e-mail: one account per address whatever its case.
    Column("email_key", String(254), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("roles", String(100), nullable=False),  # space-separated, sorted
    Column("rpps", String(11), nullable=True),
    Column("phone", String(30), nullable=True),
    Column("active", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
Index("ix_members_organisation", members.c.organisation_id, members.c.id)

# Apart from `members` so that no query listing members can leak a hash.
member_credentials = Table(
    "member_credentials",
    metadata,
    Column("member_id", Uuid, ForeignKey("members.id"), primary_key=True),
    Column("password_hash", String(255), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # SHA-256: the token is never stored
    Column("family_id", Uuid, nullable=False),  # one sign-in and its rotations
    Column("member_id", Uuid, ForeignKey("members.id"), nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("rotated_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)
Index("ix_refresh_tokens_family", refresh_tokens.c.family_id)
Index("ix_refresh_tokens_member", refresh_tokens.c.member_id)

login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account", String(254), nullable=False),  # the lower-cased e-mail tried
    Column("address", String(64), nullable=False),  # client IP
    Column("failed_at", DateTime(timezone=True), nullable=False),
)
Index("ix_login_failures_account", login_failures.c.account, login_failures.c.failed_at)
Index("ix_login_failures_address", login_failures.c.address, login_failures.c.failed_at)
