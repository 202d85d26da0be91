"""Row-level security on every tenant table (PostgreSQL only), and the app role it applies to.

Superusers and table owners bypass RLS, so the app switches to a dedicated non-owner role
(``HINDSIGHT_DATABASE_ROLE``, default ``hindsight_app``) on every connection. Roles are
cluster-wide, so downgrade leaves the role in place and only removes what this database holds.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

from hindsight.settings import Settings

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The tables of this revision, frozen: later revisions secure the tables they add.
TENANT_TABLES = (
    "outcome_records",
    "signals",
    "feedback_entries",
    "calibration_bins",
    "calibration_states",
    "calibration_adjustments",
    "team_members",
    "outcome_rollups",
)
POLICY = "tenant_isolation"
TENANT_MATCH = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    role = Settings().database_role
    if role:
        _create_app_role(role)
    for table in TENANT_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY {POLICY} ON {table} USING ({TENANT_MATCH}) WITH CHECK ({TENANT_MATCH})"
        )


def _create_app_role(role: str) -> None:
    op.execute(
        f"""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
            CREATE ROLE "{role}" NOLOGIN;
          END IF;
        END $$;
        """
    )
    op.execute(f'GRANT "{role}" TO CURRENT_USER')
    op.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
    tables = ", ".join((*TENANT_TABLES, "tenants", "alembic_version"))
    op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON {tables} TO "{role}"')


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TENANT_TABLES:
        op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    role = Settings().database_role
    if role:
        tables = ", ".join((*TENANT_TABLES, "tenants", "alembic_version"))
        op.execute(f'REVOKE ALL ON {tables} FROM "{role}"')
