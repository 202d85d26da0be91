"""Hot units of work straight on asyncpg (PostgreSQL): no ORM session, few round trips.

A unit opens with one simple-query message that begins the transaction, scopes it to the
tenant, checks the RLS role and takes the unit's advisory locks (``transactions``); the
work sends its statements, prepared once per connection by asyncpg's statement cache
(behind a transaction-mode pooler that cache is off and each statement goes unnamed,
``roles.connect_args``): SQL of its own (``domain/outcomes/hot.py``), or the domain's
SQLAlchemy Core statements through a ``LeanSession``; its events go to the outbox in one
statement; then ``COMMIT``. ``Database.run_raw`` retries it like any unit of work.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, TypeVar

import asyncpg
from sqlalchemy import Float, Insert
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.orm import configure_mappers
from sqlalchemy.util import greenlet_spawn

from hindsight.db import dialects, faults, outbox, roles, transactions
from hindsight.db.base import UTCDateTime

T = TypeVar("T")
E = TypeVar("E")

OUTBOX_INSERT = """
INSERT INTO outbox (tenant_id, txid, topic, payload, created_at)
SELECT $1, pg_current_xact_id()::text::bigint, e.topic, e.payload::jsonb, $4
FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS e(topic, payload, n)
ORDER BY e.n
"""


@dataclass
class RawUnit:
    """What a raw unit's work gets: the connection inside its open transaction, its tenant,
    the events to write to the outbox and publish after commit, and those its own
    statements wrote to the outbox already (published after commit too)."""

    connection: asyncpg.Connection
    tenant_id: uuid.UUID
    events: list[Any] = field(default_factory=list)
    announced: list[Any] = field(default_factory=list)

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        records: list[asyncpg.Record] = await self.connection.fetch(_observed(sql), *args)
        return records

    async def executemany(self, sql: str, args: list[list[Any]]) -> None:
        await self.connection.executemany(_observed(sql), args)


Work = Callable[[RawUnit], Awaitable[T]]

# Called with the SQL of every statement a raw unit sends (tests and debugging count them,
# as SQLAlchemy's ``before_cursor_execute`` event counts the session's).
observers: list[Callable[[str], None]] = []


def _observed(sql: str) -> str:
    for observe in observers:
        observe(sql)
    return sql


def lock_statement(names: Iterable[str]) -> str:
    """``dialects.serialize_on``'s advisory locks as one statement of literals (a simple
    query carries no parameters), in sorted order so every writer takes them in one order."""
    keys = sorted({dialects.lock_key(name) for name in names})
    if not keys:
        return ""
    listed = ",".join(map(str, keys))
    return (
        "; SELECT count(pg_advisory_xact_lock(k)) FROM "
        f"(SELECT unnest('{{{listed}}}'::bigint[]) AS k ORDER BY k) AS ordered"
    )


async def attempt(
    connection: Any,
    tenant_id: uuid.UUID,
    work: Work[T],
    *,
    readonly: bool,
    locks: Iterable[str],
    committing: list[bool],
    custom_plans: bool = False,
) -> tuple[T, list[Any]]:
    """One try of a raw unit on a connection checked out of the engine's pool (its
    ``_ConnectionFairy``); a lost connection is invalidated (the pool never hands it out
    again) and re-raised for the caller's retry. ``custom_plans``: plan each statement for
    its own parameters, not with the generic plan PostgreSQL settles on for a prepared
    statement after five runs (built for a few rows, it halved a 500-row batch's rate)."""
    raw: asyncpg.Connection = connection.driver_connection
    info = connection.info
    begin = transactions.begin_statement(
        tenant_id,
        info.get(transactions.ROLE_KEY, ""),
        readonly,
        set_role=bool(info.get(transactions.POOLED_KEY)),
    )
    try:
        plans = "; SET LOCAL plan_cache_mode = force_custom_plan" if custom_plans else ""
        await _begin(raw, begin + plans + lock_statement(locks))
        unit = RawUnit(raw, tenant_id)
        result = await work(unit)
        if unit.events:
            await _write_events(raw, tenant_id, unit.events)
        committing[0] = True
        await raw.execute(_observed("COMMIT"))
    except BaseException as error:
        await _end_failed(connection, raw, error)
        raise
    return result, unit.announced + unit.events


async def _end_failed(connection: Any, raw: asyncpg.Connection, error: BaseException) -> None:
    """Roll back after an error; a connection that was lost, left the RLS role, or was
    interrupted mid-statement (a cancelled request) is invalidated instead, so the pool
    never hands it out again."""
    lost = raw.is_closed() or faults.is_connection_loss(error)
    if isinstance(error, Exception) and not lost and not isinstance(error, roles.UnsafeRole):
        try:
            if raw.is_in_transaction():
                await raw.execute(_observed("ROLLBACK"))
            return
        except Exception:
            pass
    await greenlet_spawn(connection.invalidate)


async def _begin(raw: asyncpg.Connection, sql: str) -> None:
    try:
        await raw.execute(_observed(sql))
    except asyncpg.InvalidTextRepresentationError as error:
        if transactions.NOT_THE_ROLE in str(error):
            raise roles.UnsafeRole(f"transaction {error.args[0]}; refusing to serve") from None
        raise


async def _write_events(
    raw: asyncpg.Connection, tenant_id: uuid.UUID, events: list[outbox.Raised]
) -> None:
    topics = [event.topic for event in events]
    payloads = [json.dumps({"id": event.id, **event.payload}) for event in events]
    now = dt.datetime.now(dt.UTC)
    await raw.execute(_observed(OUTBOX_INSERT), tenant_id, topics, payloads, now)


class LeanSession:
    """The part of ``AsyncSession`` the hot paths use (``execute``, ``scalars``, ``scalar``,
    ``info``, ``get_bind``), straight on the unit's connection: each Core statement is
    compiled once per shape (SQLAlchemy's cache key, as its own cache does), its bind and
    result types processed as SQLAlchemy would, and an entity selected (``select(Model)``)
    comes back as a detached instance without an ORM session. Anything else raises
    (``AttributeError``, ``NotImplementedError``), so work that needs more stays on the
    session path."""

    def __init__(self, unit: RawUnit, info: dict[str, Any]) -> None:
        self.unit = unit
        self.info = info

    def get_bind(self) -> Any:
        return _BIND

    async def execute(self, stmt: Any, params: Params = None) -> LeanResult:
        """Rows with attribute access and ``_mapping``. An ``INSERT`` with a list of rows
        is sent as SQLAlchemy would: without ``RETURNING`` one statement run for every row
        in one round trip (asyncpg's ``executemany``), with it one multi-row ``VALUES``."""
        records = await self._run(stmt, params)
        return LeanResult([plan.row(record) for plan, record in records])

    async def scalars(self, stmt: Any, params: Params = None) -> LeanScalars:
        """First columns, or detached instances for ``select(Model)`` and
        ``returning(Model)``."""
        records = await self._run(stmt, params)
        return LeanScalars(plan.scalar(record) for plan, record in records)

    async def scalar(self, stmt: Any, params: Params = None) -> Any:
        found = await self.scalars(stmt, params)
        return found[0] if found else None

    async def _run(self, stmt: Any, params: Params) -> list[tuple[_Plan, Any]]:
        rows: list[dict[str, Any] | None] = list(params) if isinstance(params, list) else [params]
        columns: tuple[str, ...] = ()
        first = rows[0]
        if isinstance(stmt, Insert) and first:
            if len(rows) > 1 and stmt._returning:
                stmt, rows = stmt.values(rows), [None]  # compiled per call: a batch's cost
            else:
                columns = tuple(first)  # compiled for these columns, as SQLAlchemy does
        elif len(rows) > 1:
            raise NotImplementedError("LeanSession runs many parameter sets only as an INSERT")
        key = stmt._generate_cache_key()  # its shape, and the values it holds
        plan = _plan(stmt, key, columns)
        bound = [plan.bound(key, row) for row in rows]
        if len(bound) > 1:
            await self.unit.executemany(bound[0][0], [args for _, args in bound])
            return []
        sql, args = bound[0]
        return [(plan, record) for record in await self.unit.fetch(sql, *args)]


Params = dict[str, Any] | list[dict[str, Any]] | None


class LeanScalars(list[Any]):
    def all(self) -> list[Any]:
        return self

    def first(self) -> Any:
        return self[0] if self else None

    def one(self) -> Any:
        if len(self) != 1:
            raise ValueError(f"expected one row, got {len(self)}")
        return self[0]


@dataclass(frozen=True)
class LeanResult:
    rows: list[Any]

    def __iter__(self) -> Any:
        return iter(self.rows)

    def all(self) -> list[Any]:
        return self.rows

    def one(self) -> Any:
        if len(self.rows) != 1:
            raise ValueError(f"expected one row, got {len(self.rows)}")
        return self.rows[0]

    def first(self) -> Any:
        return self.rows[0] if self.rows else None

    def scalar(self) -> Any:
        return self.rows[0][0] if self.rows else None

    def scalars(self) -> LeanScalars:
        return LeanScalars(row[0] for row in self.rows)


_BIND = SimpleNamespace(dialect=SimpleNamespace(name="postgresql"))  # for dialects.dialect_of
_DIALECT = asyncpg_dialect.dialect()  # type: ignore[no-untyped-call]
_PLANS: dict[Any, _Plan] = {}
_MAX_PLANS = 500


def _plan(stmt: Any, key: Any, columns: tuple[str, ...] = ()) -> _Plan:
    """The statement's plan, compiled once per shape (and, for an ``INSERT``, per set of
    columns); a statement SQLAlchemy cannot cache (no cache key) is compiled every time."""
    shape = (key.key, columns) if key is not None else None
    plan = _PLANS.get(shape) if shape is not None else None
    if plan is None:
        keys = list(columns) if columns else None
        plan = _Plan(stmt, stmt.compile(dialect=_DIALECT, cache_key=key, column_keys=keys))
        if shape is not None:
            if len(_PLANS) >= _MAX_PLANS:
                _PLANS.pop(next(iter(_PLANS)))
            _PLANS[shape] = plan
    return plan


class _Plan:
    """A compiled statement: how to bind its parameters and read its rows."""

    def __init__(self, stmt: Any, compiled: Any) -> None:
        self.compiled = compiled
        self.binds = compiled._bind_processors
        columns = compiled._result_columns
        self.results = [_result_processor(col[3]) for col in columns]
        self.make_row = _row_class([col[0] for col in columns]) if columns else None
        self.entity = _entity_of(stmt)
        if self.entity is not None:
            mapper = self.entity.__mapper__
            self.keys = [mapper.get_property_by_column(col[2][0]).key for col in columns]

    def bound(self, key: Any, params: dict[str, Any] | None) -> tuple[str, list[Any]]:
        """The SQL and positional arguments of a statement of this shape (``key``: its
        cache key, which carries its values)."""
        values = self.compiled.construct_params(
            params, extracted_parameters=key.bindparams if key else None, escape_names=False
        )
        state = self.compiled.construct_expanded_state(values, escape_names=False)
        args = []
        for name in state.positiontup:
            value = state.parameters[name]
            process = self.binds.get(name) or state.processors.get(name)
            args.append(process(value) if process and value is not None else value)
        return state.statement, args

    def row(self, record: Any) -> Any:
        if self.make_row is None:  # textual SQL: the driver's columns, unprocessed
            self.make_row = _row_class(list(record.keys()))
            self.results = [None] * len(record)
        return self.make_row._make(self.values(record))

    def values(self, record: Any) -> list[Any]:
        return [p(v) if p is not None else v for p, v in zip(self.results, record, strict=True)]

    def scalar(self, record: Any) -> Any:
        if self.entity is None:
            process = self.results[0]
            return process(record[0]) if process is not None else record[0]
        return detached(self.entity, dict(zip(self.keys, self.values(record), strict=True)))


def detached(entity: type[E], values: dict[str, Any]) -> E:
    """An instance of a mapped class holding ``values`` (attribute names), as the ORM
    loads one but without a session: no constructor, no change tracking."""
    if not _mappers_configured:
        _configure_mappers()  # a process's first query may come this way
    instance: E = entity.__mapper__.class_manager.new_instance()  # type: ignore[attr-defined]
    instance.__dict__.update(values)
    return instance


_mappers_configured = False


def _configure_mappers() -> None:
    global _mappers_configured
    configure_mappers()
    _mappers_configured = True


def _result_processor(type_: Any) -> Any:
    """SQLAlchemy's result processor of a column type on asyncpg, or None where the driver's
    value is the value already: a float column (whose processor asks for the driver's type
    code, which a plan has not got) and ``UTCDateTime`` (asyncpg returns ``timestamptz`` as
    UTC-aware datetimes, what its processor would make of them)."""
    if (isinstance(type_, Float) and not type_.asdecimal) or isinstance(type_, UTCDateTime):
        return None
    return type_._cached_result_processor(_DIALECT, None)


def _row_class(keys: list[str]) -> Any:
    """A named tuple of the result's columns, with SQLAlchemy's ``Row._mapping``."""
    base = collections.namedtuple("LeanRow", keys, rename=True)  # type: ignore[misc]

    class LeanRow(base):
        __slots__ = ()

        @property
        def _mapping(self) -> dict[str, Any]:
            return dict(zip(keys, self, strict=True))

    return LeanRow


def _entity_of(stmt: Any) -> Any:
    """The mapped class of ``select(Model)`` or ``returning(Model)``, else None."""
    descriptions = getattr(stmt, "column_descriptions", None)
    returning: tuple[Any, ...] = getattr(stmt, "_returning", ())
    if descriptions is None and len(returning) == 1:  # an entity's DML returning the entity
        mapper = returning[0]._annotations.get("parentmapper")
        return mapper.class_ if mapper is not None else None
    if not descriptions or len(descriptions) != 1:
        return None
    entity = descriptions[0].get("entity")
    return entity if descriptions[0].get("type") is entity else None
