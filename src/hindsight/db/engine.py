"""Engine, sessions and the unit of work: one transaction, tenant-scoped, events after commit."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar, cast

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util import greenlet_spawn

from hindsight.db import dialects, faults, lean, outbox, roles, transactions
from hindsight.db.transactions import POOLED_KEY, ROLE_KEY

log = logging.getLogger(__name__)
T = TypeVar("T")
AfterCommit = Callable[[uuid.UUID | None, list[Any]], Awaitable[None]]
RETRYABLE_SQLSTATES = {"40001", "40P01"}  # serialization failure, deadlock detected
READONLY = "hindsight_readonly"  # execution option marking a read-only unit of work


def create_engine(
    url: str, *, role: str = "", pool_size: int = 10, pooler: str = ""
) -> AsyncEngine:
    """An async engine; on PostgreSQL every connection switches to ``role`` so RLS applies.

    ``pooler="transaction"``: behind PgBouncer in transaction mode the role is switched per
    transaction instead, and statements are never prepared by name across transactions.
    """
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30})
        _configure_sqlite(engine)
        return engine
    engine = create_async_engine(
        url,
        isolation_level="AUTOCOMMIT",  # transactions.py sends BEGIN/COMMIT itself
        pool_size=2 * pool_size,  # as many as before with overflow, without reconnect churn
        max_overflow=0,
        connect_args=roles.connect_args(role, pooled=pooler == "transaction"),
    )
    _check_role_on_connect(engine, role, pooled=pooler == "transaction")
    transactions.own_transactions(engine)
    return engine


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Own the transaction boundaries so writers take the lock up front (BEGIN
        # IMMEDIATE) instead of failing to upgrade a read lock under contention.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        dialects.add_sqlite_functions(dbapi_connection)

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Any) -> None:
        readonly = connection.get_execution_options().get(READONLY)
        connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def _check_role_on_connect(engine: AsyncEngine, role: str, *, pooled: bool) -> None:
    """A new connection serves only if RLS binds its role (checked outside any transaction;
    behind a transaction-mode pooler inside one, as the role is set per transaction)."""

    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, record: Any) -> None:
        row = dbapi_connection.run_async(lambda raw: _role_row(raw, role, pooled))
        roles.check_role(row, role)
        record.info[ROLE_KEY] = role
        record.info[POOLED_KEY] = pooled


async def _role_row(raw: Any, role: str, pooled: bool) -> Any:
    if not pooled:
        return await raw.fetchrow(roles.ROLE_CHECK)
    async with raw.transaction():
        if role:
            await raw.execute(f"SET LOCAL ROLE {roles.quoted(role)}")
        return await raw.fetchrow(roles.ROLE_CHECK)


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


class Database:
    """Owns the engine; runs units of work and hands their events on after commit."""

    def __init__(self, engine: AsyncEngine, after_commit: AfterCommit | None = None) -> None:
        self.engine = engine
        self.sessions = create_session_factory(engine)
        self.after_commit = after_commit
        self.known_tenants: set[uuid.UUID] = set()  # registered, committed (domain/tenants)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self, tenant_id: uuid.UUID | None, *, readonly: bool = False) -> AsyncSession:
        return self.sessions(info=self._unit_info(tenant_id, readonly, events=[]))

    def _unit_info(
        self, tenant_id: uuid.UUID | None, readonly: bool, *, events: list[Any]
    ) -> dict[str, Any]:
        """What a unit of work's session (or ``LeanSession``) carries in ``info``."""
        return {
            "tenant_id": tenant_id,
            "events": events,
            "readonly": readonly,
            "known_tenants": self.known_tenants,
        }

    async def run(
        self,
        tenant_id: uuid.UUID | None,
        work: Callable[[AsyncSession], Awaitable[T]],
        *,
        retries: int = 3,
        readonly: bool = False,
    ) -> T:
        """Run ``work`` in one transaction; publish its events after commit.

        The events are written to the outbox in the transaction itself (``db/outbox.py``).

        A deadlock or serialization failure is retried (``retries`` times). A lost
        connection (SQLAlchemy invalidates it, and every older pooled one, so no pre-ping
        is paid on checkout) is retried once on a new connection when COMMIT had not been
        sent; otherwise, or if it is lost again, the caller gets ``Unavailable``.
        ``readonly`` runs it as a read-only transaction: PostgreSQL refuses any write in it,
        and SQLite starts it deferred, so readers do not queue behind the one writer.
        """
        return await self._retrying(
            tenant_id,
            lambda committing: self._attempt(tenant_id, work, readonly, committing),
            retries,
        )

    async def run_raw(
        self,
        tenant_id: uuid.UUID,
        work: lean.Work[T],
        *,
        locks: Iterable[str] = (),
        readonly: bool = False,
        retries: int = 3,
        custom_plans: bool = False,
    ) -> T:
        """``run`` for a hot unit of work on PostgreSQL's driver itself (``db/lean.py``):
        the same transaction, tenant scope, role check, outbox, retries and events after
        commit; ``locks`` are ``dialects.serialize_on`` names, taken as the unit begins;
        ``custom_plans``: see ``lean.attempt``."""

        async def attempt(committing: list[bool]) -> tuple[T, list[Any]]:
            connection = await self.engine.raw_connection()  # the pool's, without a Connection
            try:
                return await lean.attempt(
                    connection, tenant_id, work, readonly=readonly, locks=locks,
                    committing=committing, custom_plans=custom_plans,
                )  # fmt: skip
            finally:
                await greenlet_spawn(connection.close)  # back to the pool

        return await self._retrying(tenant_id, attempt, retries)

    async def lean(
        self,
        tenant_id: uuid.UUID,
        work: Callable[[AsyncSession], Awaitable[T]],
        *,
        readonly: bool = False,
        locks: Iterable[str] = (),
    ) -> T:
        """``run`` for the hot paths: on PostgreSQL ``work`` gets a ``lean.LeanSession``
        (the driver itself, no ORM session) in place of the session, and the unit takes the
        ``dialects.serialize_on`` locks ``locks`` as it begins; a tenant's first write in
        this process takes ``run`` (it registers the tenant)."""
        if self.dialect != "postgresql" or not (readonly or tenant_id in self.known_tenants):
            return await self.run(tenant_id, work, readonly=readonly)

        def on(unit: lean.RawUnit) -> Awaitable[T]:
            info = self._unit_info(tenant_id, readonly, events=unit.events)
            info[dialects.HELD] = {dialects.lock_key(name) for name in locks}
            return work(cast(AsyncSession, lean.LeanSession(unit, info)))  # its duck type

        return await self.run_raw(tenant_id, on, readonly=readonly, locks=locks)

    async def _retrying(
        self,
        tenant_id: uuid.UUID | None,
        attempt: Callable[[list[bool]], Awaitable[tuple[T, list[Any]]]],
        retries: int,
    ) -> T:
        deadlocks, lost = 0, False
        while True:
            committing = [False]
            try:
                result, events = await attempt(committing)
            except Exception as error:
                if faults.is_connection_loss(error):
                    if committing[0] or lost:
                        raise faults.unavailable(error) from error
                    log.warning("database connection lost (%s); retrying once", error)
                    await self.engine.dispose()  # its pooled siblings are likely gone too
                    lost = True
                    continue
                if deadlocks < retries and faults.sqlstate(error) in RETRYABLE_SQLSTATES:
                    deadlocks += 1
                    log.warning("retrying transaction after %s", faults.sqlstate(error))
                    await asyncio.sleep(0.01 * deadlocks)
                    continue
                raise
            if events and self.after_commit is not None:
                await self.after_commit(tenant_id, events)
            return result

    async def _attempt(
        self,
        tenant_id: uuid.UUID | None,
        work: Callable[[AsyncSession], Awaitable[T]],
        readonly: bool,
        committing: list[bool],
    ) -> tuple[T, list[Any]]:
        session = self.session(tenant_id, readonly=readonly)
        async with session, session.begin():
            if readonly:
                await session.connection(execution_options={READONLY: True})
            result = await work(session)
            await outbox.record(session)  # the events commit with the change, or neither
            committing[0] = True  # leaving the block sends COMMIT: its fate is unknown
        if (registered := session.info.get("registering_tenant")) is not None:
            self.known_tenants.add(registered)
        return result, session.info["events"]

    async def check_role(self) -> None:
        """Refuse to serve (``UnsafeRole``) unless RLS binds the role connections run as."""
        if self.dialect != "postgresql":
            return
        async with self.engine.connect() as connection:
            role, pooled = connection.info.get(ROLE_KEY, ""), connection.info.get(POOLED_KEY)
            raw = (await connection.get_raw_connection()).driver_connection
            row = await _role_row(raw, role, bool(pooled))
            roles.check_role(row, role)

    async def dispose(self) -> None:
        await self.engine.dispose()
