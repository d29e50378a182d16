"""The read models' generation, which lets API processes cache routing tables.

Revision ID: 0006_read_model_state
"""
from alembic import op

from services.referrals.store.tables import read_model_state

revision = "0006_read_model_state"
down_revision = "0005_triage_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    read_model_state.create(op.get_bind(), checkfirst=True)
    op.execute(read_model_state.insert().values(id=1, generation=0))


def downgrade() -> None:
    read_model_state.drop(op.get_bind(), checkfirst=True)
