"""The inbox and deliveries (one per event, recipient and channel).

Revision ID: 0003_deliveries
"""
from alembic import op

from services.notifications.store.tables import deliveries, inbox_items

revision = "0003_deliveries"
down_revision = "0002_read_models"
branch_labels = None
depends_on = None


def upgrade() -> None:
    inbox_items.create(op.get_bind())
    deliveries.create(op.get_bind())


def downgrade() -> None:
    deliveries.drop(op.get_bind())
    inbox_items.drop(op.get_bind())
