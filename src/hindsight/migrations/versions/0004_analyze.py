"""``hindsight_analyze()``: planner statistics the RLS app role may refresh.

The app role does not own the tables, and PostgreSQL (before 17) lets only owners ANALYZE;
a SECURITY DEFINER function owned by the migrating role does it for them. It takes no
argument and returns nothing, so it reveals nothing across tenants. The coaching joins need
no new index: feedback → outcome uses the outcome primary key (tenant_id, id), the period
filters use (tenant_id, created_at) on both tables; what they lacked was statistics.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

from hindsight.db.maintenance import ANALYZED
from hindsight.settings import Settings

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BODY = "; ".join(f"ANALYZE {table}" for table in ANALYZED)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE FUNCTION hindsight_analyze() RETURNS void LANGUAGE plpgsql SECURITY DEFINER "
        f"SET search_path = public AS $$ BEGIN {BODY}; END $$"
    )
    op.execute("REVOKE ALL ON FUNCTION hindsight_analyze() FROM PUBLIC")
    role = Settings().database_role
    if role:
        op.execute(f'GRANT EXECUTE ON FUNCTION hindsight_analyze() TO "{role}"')


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS hindsight_analyze()")
