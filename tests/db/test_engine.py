"""The unit of work: read-only transactions really are, and do not queue behind writers."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

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
    if api.backend.is_postgres:
        pytest.skip("PostgreSQL readers never wait for writers")
    db = api.services.db
    writer_holds_lock, release = asyncio.Event(), asyncio.Event()

    async def slow_write(session) -> None:  # type: ignore[no-untyped-def]
        await session.execute(text("SELECT 1"))  # BEGIN IMMEDIATE has taken the write lock
        writer_holds_lock.set()
        await release.wait()

    async def read(session) -> int:  # type: ignore[no-untyped-def]
        return int(await session.scalar(text("SELECT count(*) FROM tenants")) or 0)

    writer = asyncio.create_task(db.run(None, slow_write))
    await writer_holds_lock.wait()
    try:
        count = await asyncio.wait_for(db.run(None, read, readonly=True), 5)
        assert count >= 0
    except (TimeoutError, OperationalError):
        pytest.fail("a read-only unit of work waited for the writer")
    finally:
        release.set()
        await writer
