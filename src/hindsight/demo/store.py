"""What ``hindsight demo`` asks of the database besides the domain: is the tenant's demo
already there, and removing it for ``--reset``."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db.base import Base
from hindsight.db.models import OutcomeRecord
from hindsight.services import Services, version_key


async def count_outcomes(services: Services, tenant: uuid.UUID) -> int:
    async def count(session: AsyncSession) -> int:
        query = select(func.count()).where(OutcomeRecord.tenant_id == tenant)
        return int((await session.execute(query)).scalar_one())

    return await services.db.run(tenant, count, readonly=True)


async def delete_tenant(services: Services, tenant: uuid.UUID) -> None:
    """Every row of ``tenant`` in every tenant table (children first), in one transaction;
    the tenant's cached reports are dropped after the commit."""

    async def remove(session: AsyncSession) -> None:
        for table in reversed(Base.metadata.sorted_tables):
            if "tenant_id" in table.c:
                await session.execute(delete(table).where(table.c.tenant_id == tenant))

    await services.db.run(tenant, remove)
    await services.cache.incr(version_key(tenant))
