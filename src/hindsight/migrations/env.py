"""Alembic environment: one history for SQLite and PostgreSQL, run on an async engine."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection, pool
from sqlalchemy.ext.asyncio import create_async_engine

from hindsight.db import models  # noqa: F401 - defines every table on Base.metadata
from hindsight.db.base import Base
from hindsight.settings import Settings

config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    return config.attributes.get("database_url") or Settings().database_url


def run_migrations(connection: Connection) -> None:
    upgraded: list[str] = []
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        on_version_apply=lambda *, step, **_: (
            upgraded.append(step.up_revision_id) if step.is_upgrade else None
        ),
    )
    with context.begin_transaction():
        context.run_migrations()
        if upgraded:  # tables built or changed: give the planner statistics at once
            connection.exec_driver_sql("ANALYZE")


async def run_async() -> None:
    engine = create_async_engine(database_url(), poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(run_migrations)
    await engine.dispose()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    asyncio.run(run_async())
