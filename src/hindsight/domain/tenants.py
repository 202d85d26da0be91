"""The tenant registry scheduled jobs walk: written once per tenant and process, not per write.

A unit of work that registers a tenant marks its session; ``Database.run`` remembers the
tenant only after that transaction committed, so a rolled-back registration is tried again.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db import dialects
from hindsight.db.models import Tenant

KNOWN = "known_tenants"  # session.info: the process's set of registered tenants
REGISTERING = "registering_tenant"  # session.info: the tenant this transaction registers


async def register(session: AsyncSession, tenant_id: uuid.UUID, now: dt.datetime) -> None:
    """Remember the tenant so scheduled jobs visit it (no statement once it is known)."""
    if tenant_id in session.info.get(KNOWN, ()):
        return
    stmt = dialects.insert(session, Tenant).values(id=tenant_id, created_at=now)
    await session.execute(stmt.on_conflict_do_nothing(index_elements=["id"]))
    session.info[REGISTERING] = tenant_id
