"""Consent withdrawals: one row per referral whose person withdrew their consent.

Revision ID: 0004_consent_withdrawals
"""
from alembic import op

from services.referrals.store.referral_tables import consent_withdrawals

revision = "0004_consent_withdrawals"
down_revision = "0003_referrals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    consent_withdrawals.create(op.get_bind())


def downgrade() -> None:
    consent_withdrawals.drop(op.get_bind())
