"""Messaging tables and the organisation directory read model.

Revision ID: 0001
"""
from alembic import op

from services.referrals.store.tables import organisation_directory
from shared.messaging.schema import create_messaging_tables, drop_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables(op.get_bind())
    organisation_directory.create(op.get_bind())


def downgrade() -> None:
    organisation_directory.drop(op.get_bind())
    drop_messaging_tables(op.get_bind())
