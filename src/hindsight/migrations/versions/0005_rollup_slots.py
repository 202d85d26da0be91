"""Rollup slots: each rollup key is spread over ``SLOTS`` rows (by outcome id), so concurrent
writers of the same day, rep, action and status stop queueing on one row lock (held until
the WAL flush of COMMIT). Readers already ``SUM`` over their groups; slot 0 holds every
row written before this revision.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

KEY = ["tenant_id", "day", "rep_id", "team_id", "action_type", "outcome_type", "status"]


def upgrade() -> None:
    with op.batch_alter_table("outcome_rollups") as batch:
        batch.add_column(sa.Column("slot", sa.SmallInteger(), nullable=False, server_default="0"))
        batch.drop_constraint("pk_outcome_rollups", type_="primary")
        batch.create_primary_key("pk_outcome_rollups", [*KEY, "slot"])


def downgrade() -> None:
    merged = ", ".join(KEY)
    op.execute(
        f"""INSERT INTO outcome_rollups ({merged}, slot, count, sum_confidence)
        SELECT {merged}, -1, sum(count), sum(sum_confidence) FROM outcome_rollups
        GROUP BY {merged}"""
    )
    op.execute("DELETE FROM outcome_rollups WHERE slot <> -1")
    with op.batch_alter_table("outcome_rollups") as batch:
        batch.drop_constraint("pk_outcome_rollups", type_="primary")
        batch.drop_column("slot")
        batch.create_primary_key("pk_outcome_rollups", KEY)
