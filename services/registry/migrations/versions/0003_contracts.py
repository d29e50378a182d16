"""Contracts, territories, routing rules, pathways.

Revision ID: 0003_contracts
"""
from alembic import op

from services.registry.store.contract_tables import contracts

revision = "0003_contracts"
down_revision = "0002_need_categories"
branch_labels = None
depends_on = None


def upgrade() -> None:
    contracts.create(op.get_bind())


def downgrade() -> None:
    contracts.drop(op.get_bind())
