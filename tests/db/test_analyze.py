"""Planner statistics after loads: every applied migration, importOutcomes and the demo end
with ANALYZE, so the planner's row counts match the tables (docs/design.md, issue 12 point 4)."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from typing import Any

import asyncpg

from hindsight.db import maintenance, migrate
from hindsight.domain.enums import Role
from tests.api.factories import outcome_input
from tests.conftest import Api, Tenant, create_postgres_database, drop_postgres_database

IMPORT = """mutation($inputs: [ImportOutcomeInput!]!) {
  importOutcomes(inputs: $inputs) { __typename } }"""


async def _planner_rows(api: Api, table: str) -> tuple[float, int]:
    """(the planner's row count for ``table``, its real row count), read as the owner."""
    url = api.backend.settings.database_url
    if api.backend.is_postgres:
        conn = await asyncpg.connect(url.replace("+asyncpg", ""))
        try:
            estimate = await conn.fetchval(
                "SELECT reltuples FROM pg_class WHERE relname = $1", table
            )
            return float(estimate), int(await conn.fetchval(f"SELECT count(*) FROM {table}"))
        finally:
            await conn.close()
    with sqlite3.connect(url.split("///", 1)[1]) as db:
        stats = db.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = ?", (table,)).fetchall()
        [count] = db.execute(f"SELECT count(*) FROM {table}").fetchone()
        # each index's first number is its row count: a partial index (the drift feed's)
        # holds fewer rows than the table, every full index exactly the table's
        return max(float(stat.split()[0]) for (stat,) in stats), int(count)


async def test_an_import_leaves_the_planner_with_exact_row_counts(tenant: Tenant) -> None:
    now = tenant.api.clock.now
    items: list[dict[str, Any]] = [
        {
            "outcome": outcome_input(
                conversationId=f"bulk-{i}", occurredAt=(now - dt.timedelta(days=i % 90)).isoformat()
            ),
            "status": "POSITIVE" if i % 3 else "NEGATIVE",
            "resolvedAt": now.isoformat(),
        }
        for i in range(300)
    ]
    data = await tenant.api.gql(IMPORT, {"inputs": items}, tenant.token(Role.ADMIN))
    assert {r["__typename"] for r in data["importOutcomes"]} == {"Outcome"}
    for table in ("outcome_records", "outcome_rollups"):
        estimate, count = await _planner_rows(tenant.api, table)
        assert estimate == count, table


async def test_the_app_role_may_analyze(tenant: Tenant) -> None:
    """On PostgreSQL through hindsight_analyze() (the app role owns no table)."""
    await tenant.api.services.db.run(tenant.id, maintenance.analyze)
    estimate, count = await _planner_rows(tenant.api, "outcome_records")
    assert estimate == count


def _analyzed_after_upgrade_sqlite(path: str) -> bool:
    migrate.upgrade(f"sqlite+aiosqlite:///{path}")
    with sqlite3.connect(path) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    return "sqlite_stat1" in tables


async def test_migrations_end_with_analyze(api: Api, tmp_path: object) -> None:
    if not api.backend.is_postgres:
        assert await asyncio.to_thread(_analyzed_after_upgrade_sqlite, f"{tmp_path}/a.db")
        return
    url = await create_postgres_database()  # runs the migrations
    try:
        conn = await asyncpg.connect(url.replace("+asyncpg", ""))
        try:
            never = await conn.fetchval(
                "SELECT count(*) FROM pg_class WHERE relname = ANY($1) AND reltuples < 0",
                list(maintenance.ANALYZED),
            )
        finally:
            await conn.close()
        assert never == 0  # -1 means never analyzed
    finally:
        await drop_postgres_database(url)
