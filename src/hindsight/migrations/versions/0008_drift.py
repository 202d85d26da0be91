"""Drift: the calibrated confidence on resolved outcomes, the monitors' feed
marker, the monitors and their alerts (row-level security on PostgreSQL, as 0002).

Outcomes resolved before this revision get q from the multiplier in force now (the one at
their resolution was not kept) and count as already fed: the monitors start with the next
resolution instead of alerting on history they cannot date.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from hindsight.settings import Settings

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLES = ("drift_monitors", "drift_alerts")
POLICY = "tenant_isolation"
TENANT_MATCH = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"
UNFED = "drift_fed_at IS NULL AND status IN ('POSITIVE', 'NEGATIVE')"
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("outcome_records") as batch:
        batch.add_column(sa.Column("calibrated_confidence", sa.Float(), nullable=True))
        batch.add_column(sa.Column("drift_fed_at", sa.DateTime(timezone=True), nullable=True))
    _backfill()
    op.create_index(
        "ix_outcome_records_drift_unfed",
        "outcome_records",
        ["tenant_id", "action_type", "resolved_at", "id"],
        postgresql_where=sa.text(UNFED),
        sqlite_where=sa.text(UNFED),
    )
    _create_tables()
    if op.get_bind().dialect.name == "postgresql":
        _secure()


def _backfill() -> None:
    dialect = op.get_bind().dialect.name
    low, high = ("GREATEST", "LEAST") if dialect == "postgresql" else ("MAX", "MIN")
    op.execute(
        f"""UPDATE outcome_records SET drift_fed_at = CURRENT_TIMESTAMP,
        calibrated_confidence = {high}({low}(predicted_confidence * COALESCE((
            SELECT s.multiplier FROM calibration_states s
            WHERE s.tenant_id = outcome_records.tenant_id
              AND s.action_type = outcome_records.action_type), 1.0), 0.001), 0.999)
        WHERE status IN ('POSITIVE', 'NEGATIVE')"""
    )


def _create_tables() -> None:
    op.create_table(
        "drift_monitors",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("action_type", sa.String(length=64), nullable=False),
        sa.Column("fed", sa.Integer(), nullable=False),
        sa.Column("calibration", JSON, nullable=True),
        sa.Column("calibration_paused_by", sa.Uuid(), nullable=True),
        sa.Column("paused_multiplier", sa.Float(), nullable=True),
        sa.Column("success", JSON, nullable=True),
        sa.Column("success_paused_by", sa.Uuid(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "action_type", name=op.f("pk_drift_monitors")),
    )
    op.create_table(
        "drift_alerts",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("action_type", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sample_size", sa.Integer(), nullable=False),
        sa.Column("e_value", sa.Float(), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("expected_rate", sa.Float(), nullable=True),
        sa.Column("observed_rate", sa.Float(), nullable=True),
        sa.Column("before_rate", sa.Float(), nullable=True),
        sa.Column("before_count", sa.Integer(), nullable=True),
        sa.Column("after_rate", sa.Float(), nullable=True),
        sa.Column("after_count", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_drift_alerts")),
    )
    op.create_index(
        op.f("ix_drift_alerts_tenant_id_raised_at_id"),
        "drift_alerts",
        ["tenant_id", "raised_at", "id"],
    )


def _secure() -> None:
    role = Settings().database_role
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY {POLICY} ON {table} USING ({TENANT_MATCH}) WITH CHECK ({TENANT_MATCH})"
        )
        if role:
            op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO "{role}"')


def downgrade() -> None:
    op.drop_index(op.f("ix_drift_alerts_tenant_id_raised_at_id"), table_name="drift_alerts")
    op.drop_table("drift_alerts")
    op.drop_table("drift_monitors")
    op.drop_index("ix_outcome_records_drift_unfed", table_name="outcome_records")
    with op.batch_alter_table("outcome_records") as batch:
        batch.drop_column("drift_fed_at")
        batch.drop_column("calibrated_confidence")
