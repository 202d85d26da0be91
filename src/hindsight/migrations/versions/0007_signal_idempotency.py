"""Signal idempotency keys: ``RecordSignalInput.idempotencyKey`` (docs/client.md), unique per
tenant, so a client that retries a ``recordSignals`` batch stores and resolves nothing twice.
Nullable: signals without a key (and every signal written before) never conflict.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

INDEX = "ix_signals_tenant_id_idempotency_key"


def upgrade() -> None:
    op.add_column("signals", sa.Column("idempotency_key", sa.String(length=128), nullable=True))
    op.create_index(INDEX, "signals", ["tenant_id", "idempotency_key"], unique=True)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="signals")
    with op.batch_alter_table("signals") as batch:
        batch.drop_column("idempotency_key")
