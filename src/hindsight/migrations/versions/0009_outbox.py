"""The event outbox (docs/concepts/events.md): every domain event, written in the transaction of its
change, so subscribers can resume after a cursor and replicas catch up after a Redis outage.

On PostgreSQL the table has row-level security like every tenant table, and the app role
may read, insert and prune it (and draw positions from its sequence).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from hindsight.settings import Settings

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

POLICY = "tenant_isolation"
TENANT_MATCH = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column(
            "position",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("txid", sa.BigInteger(), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.Column(
            "payload", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("position", name=op.f("pk_outbox")),
        sqlite_autoincrement=True,  # never reuse a position, even after the newest is pruned
    )
    with op.batch_alter_table("outbox") as batch:
        batch.create_index(
            batch.f("ix_outbox_tenant_id_topic_txid_position"),
            ["tenant_id", "topic", "txid", "position"],
        )
        batch.create_index(batch.f("ix_outbox_tenant_id_created_at"), ["tenant_id", "created_at"])
    if op.get_bind().dialect.name == "postgresql":
        _secure()


def _secure() -> None:
    op.execute("ALTER TABLE outbox ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE outbox FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY {POLICY} ON outbox USING ({TENANT_MATCH}) WITH CHECK ({TENANT_MATCH})"
    )
    role = Settings().database_role
    if role:
        op.execute(f'GRANT SELECT, INSERT, DELETE ON outbox TO "{role}"')
        op.execute(f'GRANT USAGE ON SEQUENCE outbox_position_seq TO "{role}"')


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index(batch.f("ix_outbox_tenant_id_created_at"))
        batch.drop_index(batch.f("ix_outbox_tenant_id_topic_txid_position"))
    op.drop_table("outbox")
