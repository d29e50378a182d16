"""Need categories (the seeded list is loaded by the directory part).

Revision ID: 0002_need_categories
"""
from alembic import op

from services.registry.store.tables import need_categories

revision = "0002_need_categories"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    need_categories.create(op.get_bind())


def downgrade() -> None:
    need_categories.drop(op.get_bind())
