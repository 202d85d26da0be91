"""Calibration adjustments record the calibrated gap (m·Σp − Σy)/N beside the stated one.

Nullable: adjustments recorded before the converging controller have no calibrated gap.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calibration_adjustments") as batch_op:
        batch_op.add_column(sa.Column("calibrated_gap", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calibration_adjustments") as batch_op:
        batch_op.drop_column("calibrated_gap")
