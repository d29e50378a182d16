"""Action plan (axes, fiches, indicators, measurements), referral facts for computed
indicators, governance (bodies, members, meetings, decisions) and generation lineage.

Revision ID: 0005_plan
"""
from alembic import op

from services.registry.store.plan_tables import PLAN_TABLES

revision = "0005_plan"
down_revision = "0003_contracts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    for table in PLAN_TABLES:  # in dependency order
        table.create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(PLAN_TABLES):
        table.drop(bind)
