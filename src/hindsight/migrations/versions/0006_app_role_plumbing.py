"""The app role may not write the plumbing: it reads ``alembic_version`` (the worker checks
the schema revision) but never writes it, and it may only register its own tenant.

``tenants`` holds no tenant's data, only ids, so every tenant may read the list (scheduled
jobs walk it with no tenant set); a row may be inserted only for the tenant the transaction
is scoped to (``app.tenant_id``), and never updated or deleted by the app. PostgreSQL only:
SQLite has no roles.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

from hindsight.settings import Settings

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

OWN_TENANT = "id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE tenants ENABLE ROW LEVEL SECURITY")
    op.execute("CREATE POLICY tenant_list ON tenants FOR SELECT USING (true)")
    op.execute(f"CREATE POLICY tenant_register ON tenants FOR INSERT WITH CHECK ({OWN_TENANT})")
    role = Settings().database_role
    if role:
        op.execute(f'REVOKE ALL ON alembic_version, tenants FROM "{role}"')
        op.execute(f'GRANT SELECT ON alembic_version TO "{role}"')
        op.execute(f'GRANT SELECT, INSERT ON tenants TO "{role}"')


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP POLICY IF EXISTS tenant_register ON tenants")
    op.execute("DROP POLICY IF EXISTS tenant_list ON tenants")
    op.execute("ALTER TABLE tenants DISABLE ROW LEVEL SECURITY")
    role = Settings().database_role
    if role:
        op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON alembic_version, tenants TO "{role}"')
