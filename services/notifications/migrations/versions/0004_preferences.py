"""Member preferences, organisation defaults and webhook subscriptions.

Revision ID: 0004_preferences
"""
from alembic import op

from services.notifications.store.tables import (
    member_preferences,
    organisation_preferences,
    webhook_subscriptions,
)

revision = "0004_preferences"
down_revision = "0003_deliveries"
branch_labels = None
depends_on = None

TABLES = (member_preferences, organisation_preferences, webhook_subscriptions)


def upgrade() -> None:
    for table in TABLES:
        table.create(op.get_bind())


def downgrade() -> None:
    for table in reversed(TABLES):
        table.drop(op.get_bind())
