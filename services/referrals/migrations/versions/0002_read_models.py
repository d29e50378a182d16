"""Read models of the registry used for routing: contracts, rules, categories, pathways, members.

Revision ID: 0002_read_models
"""
from alembic import op

from services.referrals.store.tables import READ_MODELS

revision = "0002_read_models"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in READ_MODELS:
        table.create(op.get_bind())


def downgrade() -> None:
    for table in reversed(READ_MODELS):
        table.drop(op.get_bind())
