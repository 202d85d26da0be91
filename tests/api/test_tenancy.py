"""Row-level security at the SQL level on PostgreSQL: the second wall behind the app's filters."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from hindsight.db.models import TENANT_TABLES
from hindsight.domain.enums import Role
from tests.api import documents
from tests.api.factories import record, signal
from tests.conftest import Api, Tenant


async def _fill_every_table(tenant: Tenant) -> None:
    created = await record(tenant, repId="rep-1", conversationId="conv-rls")
    await signal(tenant, "CUSTOMER_REPLIED", conversationId="conv-rls")
    await tenant.api.gql(
        documents.RESOLVE,
        {"input": {"outcomeId": created["id"], "status": "POSITIVE"}},
        tenant.token(Role.AGENT),
    )


async def test_rls_hides_other_tenants_rows_from_plain_selects(tenant: Tenant, api: Api) -> None:
    if not api.backend.is_postgres:
        pytest.skip("SQLite has no row-level security; the app's tenant filters are the wall")
    await _fill_every_table(tenant)
    db = api.services.db
    other = uuid.uuid4()

    async def counts(tenant_id: uuid.UUID | None) -> dict[str, int]:
        async with db.session(tenant_id) as session, session.begin():
            role = await session.scalar(text("SELECT current_user"))
            assert role == api.services.settings.database_role
            return {
                table: int(
                    await session.scalar(
                        text(f"SELECT count(*) FROM {table} WHERE tenant_id = :t"), {"t": tenant.id}
                    )
                    or 0
                )
                for table in TENANT_TABLES
            }

    own = await counts(tenant.id)
    assert own["outcome_records"] == 1 and own["signals"] == 1
    assert own["calibration_bins"] == 1 and own["outcome_rollups"] >= 1
    assert set((await counts(other)).values()) == {0}
    assert set((await counts(None)).values()) == {0}  # fail closed without a tenant
