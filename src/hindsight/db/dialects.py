"""The only place where SQL differs between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def insert(session: AsyncSession, table: Table | Any) -> Any:
    """A dialect INSERT that supports ``on_conflict_do_update`` / ``do_nothing``."""
    module = postgresql if dialect_of(session) == "postgresql" else sqlite
    return module.insert(table)


def claim(session: AsyncSession, stmt: Select[Any]) -> Select[Any]:
    """Lock the selected rows for this transaction, skipping rows other workers hold.

    SQLite has one writer at a time (BEGIN IMMEDIATE), so a plain batch is already exclusive.
    """
    if dialect_of(session) == "postgresql":
        return stmt.with_for_update(skip_locked=True)
    return stmt


def lock(session: AsyncSession, stmt: Select[Any]) -> Select[Any]:
    """Lock the selected rows (waiting for other holders) on PostgreSQL."""
    if dialect_of(session) == "postgresql":
        return stmt.with_for_update()
    return stmt
