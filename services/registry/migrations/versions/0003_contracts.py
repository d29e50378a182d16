"""Contracts, territories, routing rules, pathways.

Revision ID: 0003_contracts
"""
from alembic import op

from services.registry.store.contract_tables import ALL

revision = "0003_contracts"
down_revision = "0002_need_categories"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    for table in ALL:
        table.create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(ALL):
        table.drop(bind)
