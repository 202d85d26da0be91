"""Writes that happen once per idempotency key: outcomes and signals.

``INSERT … ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING`` on both
dialects; a row whose key was taken (by an earlier call, or earlier in the same batch)
maps to the row first written with it. Rows without a key never conflict (NULLs are
distinct in both databases' unique indexes).
"""

from __future__ import annotations

import functools
import uuid
from typing import Any

from sqlalchemy import RowMapping, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db import dialects


async def insert_once(
    session: AsyncSession, table: Table, tenant_id: uuid.UUID, rows: list[dict[str, Any]]
) -> dict[uuid.UUID, RowMapping]:
    """Insert ``rows`` (one multi-row statement); the stored row for each row's proposed id:
    the row itself when it was written, else the earlier winner of its key."""
    result = await session.execute(_insert_statement(dialects.dialect_of(session), table), rows)
    inserted = {row.id: row._mapping for row in result}
    missing = {row["idempotency_key"] for row in rows if row["id"] not in inserted}
    by_key = {m["idempotency_key"]: m for m in inserted.values() if m["idempotency_key"]}
    if missing - by_key.keys():
        by_key.update(await _by_keys(session, table, tenant_id, missing - by_key.keys()))
    return {row["id"]: inserted.get(row["id"]) or by_key[row["idempotency_key"]] for row in rows}


@functools.cache
def _insert_statement(dialect: str, table: Table) -> Any:
    """Built once per dialect and table; executed with many rows it is one multi-row INSERT
    whose compiled form SQLAlchemy caches ("insertmanyvalues")."""
    module = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(table).on_conflict_do_nothing(
        index_elements=["tenant_id", "idempotency_key"]
    )
    return stmt.returning(*table.c)


async def _by_keys(
    session: AsyncSession, table: Table, tenant_id: uuid.UUID, keys: set[str]
) -> dict[str, RowMapping]:
    """Earlier winners: committed, so READ COMMITTED sees them."""
    columns = table.c
    stmt = select(*columns).where(
        columns.tenant_id == tenant_id, columns.idempotency_key.in_(sorted(keys))
    )
    return {row.idempotency_key: row._mapping for row in await session.execute(stmt)}
