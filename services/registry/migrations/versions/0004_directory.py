"""Directory and access: organisations' communes, categories and contact; members,
credentials, refresh tokens, failed sign-ins; the seeded need categories.

Revision ID: 0004_directory
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from services.registry.store import need_categories as need_category_store
from services.registry.store.tables import (
    login_failures,
    member_credentials,
    members,
    organisation_communes,
    organisation_need_categories,
    refresh_tokens,
)

revision = "0004_directory"
down_revision = "0002_need_categories"
branch_labels = None
depends_on = None

# Creation order (foreign keys); dropped in reverse.
TABLES = (organisation_communes, organisation_need_categories, members, member_credentials,
          refresh_tokens, login_failures)


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column("organisations", sa.Column("phone", sa.String(30), nullable=True))
    op.add_column("organisations", sa.Column("email", sa.String(254), nullable=True))
    for table in TABLES:
        table.create(bind)
    # Every deployment has the seeded categories (with their `created` events), demo or not.
    session = Session(bind=bind)
    need_category_store.ensure_seeded(session)
    session.flush()


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(TABLES):
        table.drop(bind)
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("email")
        batch.drop_column("phone")
    # The seeded categories stay: 0002's table holds them, admins may have edited them.
