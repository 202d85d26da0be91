"""One alembic history: up, down to base and up again on both backends; models never drift."""

from __future__ import annotations

import asyncio

import pytest
from alembic import command

from hindsight.db import migrate
from tests.conftest import Backend, create_postgres_database, drop_postgres_database


def _round_trip(url: str) -> None:
    migrate.upgrade(url)
    migrate.downgrade(url, "base")
    migrate.upgrade(url)
    command.check(migrate.alembic_config(url))  # raises if models and migrations disagree


async def test_sqlite_round_trip_and_no_drift(tmp_path: object) -> None:
    await asyncio.to_thread(_round_trip, f"sqlite+aiosqlite:///{tmp_path}/m.db")


async def test_postgres_round_trip_and_no_drift(backend: Backend) -> None:
    if not backend.is_postgres:
        pytest.skip("the PostgreSQL round trip (the SQLite one is its own test)")
    url = await create_postgres_database()
    try:
        await asyncio.to_thread(_round_trip, url)
    finally:
        await drop_postgres_database(url)
