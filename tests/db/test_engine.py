"""The unit of work: read-only transactions really are, and do not queue behind writers."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError, OperationalError

from hindsight.db.models import Tenant as TenantRow
from tests.conftest import Api


async def test_readonly_refuses_writes_on_postgres(api: Api) -> None:
    if not api.backend.is_postgres:
        pytest.skip("SQLite has no read-only transactions")
    tenant = uuid.uuid4()

    async def write(session) -> None:  # type: ignore[no-untyped-def]
        await session.execute(text("INSERT INTO tenants VALUES (:t, now())"), {"t": tenant})

    with pytest.raises(DBAPIError, match="read-only"):
        await api.services.db.run(tenant, write, readonly=True)


async def test_reads_do_not_wait_for_the_sqlite_writer(api: Api) -> None:
    """A read-only unit of work runs while the writer holds the lock, sees the last
    committed state (not the writer's row), and sees the row once the writer commits."""
    if api.backend.is_postgres:
        pytest.skip("PostgreSQL readers never wait for writers")
    db, tenant = api.services.db, uuid.uuid4()
    writer_holds_lock, release = asyncio.Event(), asyncio.Event()

    async def slow_write(session) -> None:  # type: ignore[no-untyped-def]
        now = dt.datetime.now(dt.UTC)
        await session.execute(insert(TenantRow).values(id=tenant, created_at=now))
        writer_holds_lock.set()
        await release.wait()

    async def read(session) -> int:  # type: ignore[no-untyped-def]
        found = select(func.count()).select_from(TenantRow).where(TenantRow.id == tenant)
        return int(await session.scalar(found) or 0)

    writer = asyncio.create_task(db.run(None, slow_write))
    await writer_holds_lock.wait()
    try:
        during = await asyncio.wait_for(db.run(None, read, readonly=True), 5)
    except (TimeoutError, OperationalError):
        pytest.fail("a read-only unit of work waited for the writer")
    finally:
        release.set()
        await writer
    assert during == 0
    assert await db.run(None, read, readonly=True) == 1
