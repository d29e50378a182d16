"""The triage queue's index: (receiving organisation, status, submitted_at, id).

Revision ID: 0005_triage_index

Fresh databases already get it from 0003 (tables are created from the current
table objects until the first release); older ones get it here.
"""
from alembic import op

revision = "0005_triage_index"
down_revision = "0004_consent_withdrawals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_referrals_receiving_status_keyset", "referrals",
                    ["receiving_organisation_id", "status", "submitted_at", "id"],
                    if_not_exists=True)


def downgrade() -> None:
    op.drop_index("ix_referrals_receiving_status_keyset", table_name="referrals",
                  if_exists=True)
