"""The unit of work: read-only transactions really are, and do not queue behind writers."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import asyncpg
import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError, OperationalError

from hindsight.db import faults
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


async def test_a_real_deadlock_is_retried(api: Api) -> None:
    """Two units of work lock two rows in opposite order: PostgreSQL kills one with
    ``deadlock detected`` (40P01), ``Database.run`` reads that through SQLAlchemy's wrapper
    and runs it again, so both commit."""
    if not api.backend.is_postgres:
        pytest.skip("SQLite has one writer: it cannot deadlock")
    table = f"deadlock_probe_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(api.backend.settings.database_url.replace("+asyncpg", ""))
    await admin.execute(f"CREATE TABLE {table} (k int PRIMARY KEY, v int NOT NULL)")
    await admin.execute(f"INSERT INTO {table} VALUES (1, 0), (2, 0)")
    await admin.execute(f"GRANT SELECT, UPDATE ON {table} TO {api.backend.settings.database_role}")
    both_hold_one, attempts = asyncio.Barrier(2), []

    def locking(first: int, second: int):  # type: ignore[no-untyped-def]
        async def work(session) -> int:  # type: ignore[no-untyped-def]
            attempts.append(first)
            lock = text(f"UPDATE {table} SET v = v + 1 WHERE k = :k")
            await session.execute(lock, {"k": first})
            if len(attempts) <= 2:  # the first two attempts: each holds its row, then waits
                await both_hold_one.wait()
            await session.execute(lock, {"k": second})
            return first

        return work

    try:
        db = api.services.db
        done = await asyncio.gather(db.run(None, locking(1, 2)), db.run(None, locking(2, 1)))
        assert done == [1, 2] and len(attempts) == 3  # one of the two ran twice
        assert await admin.fetchval(f"SELECT sum(v) FROM {table}") == 4
    finally:
        await admin.execute(f"DROP TABLE {table}")
        await admin.close()


def test_the_sqlstate_is_read_through_every_wrapper() -> None:
    """asyncpg's error, SQLAlchemy's DBAPIError around it, or around an adapter error
    raised from it: each is the deadlock it carries."""
    deadlock = asyncpg.DeadlockDetectedError("deadlock detected")
    adapted = RuntimeError("the driver adapter's error, without a code")
    adapted.__cause__ = deadlock
    assert faults.sqlstate(deadlock) == "40P01"
    assert faults.sqlstate(DBAPIError("UPDATE", {}, deadlock)) == "40P01"
    assert faults.sqlstate(DBAPIError("UPDATE", {}, adapted)) == "40P01"
    assert faults.sqlstate(DBAPIError("UPDATE", {}, RuntimeError("no code"))) is None
