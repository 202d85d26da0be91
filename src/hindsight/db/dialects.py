"""The only place where SQL differs between SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Date, Select, Table, bindparam, cast, func, literal_column, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import TableValuedAlias


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def insert(session: AsyncSession, table: Table | Any) -> Any:
    """A dialect INSERT that supports ``on_conflict_do_update`` / ``do_nothing``."""
    module = postgresql if dialect_of(session) == "postgresql" else sqlite
    return module.insert(table)


@functools.cache
def adding_upsert(
    dialect: str, table: Table, added: tuple[str, ...], replaced: tuple[str, ...] = ()
) -> Any:
    """``INSERT … ON CONFLICT (primary key) DO UPDATE`` that adds the new row's ``added``
    columns to the stored ones and takes its ``replaced`` ones; built once per dialect and
    table (building statements was most of a write's CPU). Executed with many rows it is one
    multi-row upsert."""
    module = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(table)
    sums = {name: table.c[name] + stmt.excluded[name] for name in added}
    return stmt.on_conflict_do_update(
        index_elements=list(table.primary_key),
        set_={**sums, **{name: stmt.excluded[name] for name in replaced}},
    )


def clamp(dialect: str, value: Any, low: float, high: float) -> ColumnElement[float]:
    """``LEAST(GREATEST(value, low), high)``; SQLite spells them as its scalar MAX and MIN."""
    if dialect == "postgresql":
        return func.least(func.greatest(value, low), high)
    return func.min(func.max(value, low), high)


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


# Sorted in the statement, so every transaction takes its locks in one order (no deadlock
# between two of them); held until COMMIT or ROLLBACK.
_ADVISORY_LOCKS = text(
    "SELECT pg_advisory_xact_lock(k) FROM "
    "(SELECT DISTINCT unnest(:keys) AS k ORDER BY k) AS ordered"
).bindparams(bindparam("keys", type_=postgresql.ARRAY(BigInteger)))


HELD = "held_locks"  # session.info: lock keys the transaction took as it began (db/lean.py)


async def serialize_on(session: AsyncSession, names: Iterable[str]) -> None:
    """Let one transaction at a time hold each of ``names`` until it ends.

    PostgreSQL: transaction-scoped advisory locks on a 64-bit hash of each name, in one
    statement (none for those it holds already). SQLite: nothing to do, its writers already
    run one at a time (BEGIN IMMEDIATE).
    """
    keys = sorted({lock_key(name) for name in names} - session.info.get(HELD, set()))
    if keys and dialect_of(session) == "postgresql":
        await session.execute(_ADVISORY_LOCKS, {"keys": keys})


def lock_key(name: str) -> int:
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def utc_day(session: AsyncSession, column: Any) -> ColumnElement[dt.date]:
    """The UTC calendar day of a timestamp column (SQLite stores naive UTC text)."""
    if dialect_of(session) == "postgresql":
        return cast(func.timezone(literal_column("'UTC'"), column), Date)
    return func.date(column, type_=Date)


def local_day(session: AsyncSession, column: Any, zone: str) -> ColumnElement[dt.date]:
    """The calendar day of a timestamp column in the IANA time zone ``zone``."""
    if zone == "UTC":
        return utc_day(session, column)
    if dialect_of(session) == "postgresql":
        return cast(func.timezone(zone, column), Date)
    return func.hindsight_local_day(column, zone, type_=Date)


def add_sqlite_functions(dbapi_connection: Any) -> None:
    """SQLite has no time zones: ``hindsight_local_day(ts, zone)`` is computed in Python."""
    dbapi_connection.create_function(
        "hindsight_local_day", 2, _sqlite_local_day, deterministic=True
    )


def _sqlite_local_day(stored: str | None, zone: str) -> str | None:
    if stored is None:
        return None
    at = dt.datetime.fromisoformat(stored).replace(tzinfo=dt.UTC)
    return at.astimezone(ZoneInfo(zone)).date().isoformat()


def json_array_elements(session: AsyncSession, column: Any) -> TableValuedAlias:
    """One row (``value``) per element of a JSON array column, for a lateral join."""
    if dialect_of(session) == "postgresql":
        return func.jsonb_array_elements_text(column).table_valued("value").render_derived()
    return func.json_each(column).table_valued("value")
