"""Deliveries sent at most once: the claim that holds a row, when its last attempt began.

Revision ID: 0005_at_most_once

The new statuses (`claimed`, `uncertain`) need nothing: `status` is a plain
String(10) with no CHECK constraint. Fresh databases already get the columns from
0003 (tables are created from the current table objects until the first release);
older ones get them here.
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_at_most_once"
down_revision = "0004_preferences"
branch_labels = None
depends_on = None

COLUMNS = (("claim_id", sa.Uuid), ("attempted_at", sa.DateTime(timezone=True)))


def _existing() -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns("deliveries")}


def upgrade() -> None:
    existing = _existing()
    for name, type_ in COLUMNS:
        if name not in existing:
            op.add_column("deliveries", sa.Column(name, type_, nullable=True))
    # A row an older dispatcher left `sending` may have been sent: the new rules apply to
    # it when its lease runs out (it becomes `uncertain`), nothing to convert here.


def downgrade() -> None:
    # Statuses the older dispatcher does not know: a claimed row was never sent (due
    # again), an uncertain one waits for a person like the dead.
    op.execute("UPDATE deliveries SET status = 'pending' WHERE status = 'claimed'")
    op.execute("UPDATE deliveries SET status = 'dead' WHERE status = 'uncertain'")
    existing = _existing()
    with op.batch_alter_table("deliveries") as batch:
        for name, _type in reversed(COLUMNS):
            if name in existing:
                batch.drop_column(name)
