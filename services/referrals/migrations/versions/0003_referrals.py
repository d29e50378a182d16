"""Referrals, beneficiaries (encrypted), transitions, notes, pathway runs, idempotency
keys and the append-only audit log.

Revision ID: 0003_referrals
"""
from alembic import op

from services.referrals.store.referral_tables import REFERRAL_TABLES

revision = "0003_referrals"
down_revision = "0002_read_models"
branch_labels = None
depends_on = None

_POSTGRES_GUARD = """
CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
"""
_SQLITE_GUARD = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
)


def upgrade() -> None:
    bind = op.get_bind()
    for table in REFERRAL_TABLES:
        table.create(bind)
    if bind.dialect.name == "postgresql":
        op.execute(_POSTGRES_GUARD)
    else:
        for statement in _SQLITE_GUARD:
            op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(REFERRAL_TABLES):
        table.drop(bind)
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
