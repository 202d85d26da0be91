"""PostgreSQL transactions in as few round trips as the protocol allows.

The driver runs in autocommit mode and the app owns ``BEGIN``/``COMMIT``/``ROLLBACK``
(as it does on SQLite): a transaction opens with one simple-query message that begins it
(read-only when asked), sets its tenant for the RLS policies and checks that it runs as
the RLS role, all in one round trip. A pooled connection returned inside a transaction
is rolled back. A lost connection, or one no longer running as the RLS role, is
invalidated, so the pool never hands it out again.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session, SessionTransaction

from hindsight.db import faults, roles

ROLE_KEY = "hindsight_role"  # connection info: the RLS role a pooled connection was checked for
POOLED_KEY = "hindsight_pooled"  # connection info: behind a transaction-mode pooler
NOT_THE_ROLE = "not the RLS role"


def begin_statement(
    tenant: uuid.UUID | None, role: str, readonly: bool, *, set_role: bool = False
) -> str:
    """``BEGIN`` (+ ``SET LOCAL ROLE`` behind a transaction-mode pooler) + tenant scope
    (+ role check): literals only (a UUID and a configured role name, quoted), since a
    simple-query message carries no parameters."""
    scope = f"set_config('app.tenant_id', '{uuid.UUID(str(tenant)) if tenant else ''}', true)"
    begin = f"BEGIN{' READ ONLY' if readonly else ''}"
    if role:
        literal = "'" + role.replace("'", "''") + "'"
        refuse = f"('runs as ' || current_user || ', {NOT_THE_ROLE} ' || {literal})::int::text"
        scope = f"CASE WHEN current_user = {literal} THEN {scope} ELSE {refuse} END"
        if set_role:
            begin += f"; SET LOCAL ROLE {roles.quoted(role)}"
    return f"{begin}; SELECT {scope}"


def own_transactions(engine: AsyncEngine) -> None:
    """Install the listeners; the engine must be created with ``AUTOCOMMIT``."""
    sync = engine.sync_engine

    @event.listens_for(sync, "commit")
    def commit(connection: Any) -> None:
        _raw(connection, lambda raw: raw.execute("COMMIT"))  # a lost connection raises

    @event.listens_for(sync, "rollback")
    def rollback(connection: Any) -> None:
        _raw(connection, lambda raw: raw.execute("ROLLBACK"), only_if_open=True)

    @event.listens_for(sync.pool, "reset")
    def reset(dbapi_connection: Any, _record: Any, _state: Any) -> None:
        raw = dbapi_connection.driver_connection
        if not raw.is_closed() and raw.is_in_transaction():
            dbapi_connection.run_async(lambda c: c.execute("ROLLBACK"))


@event.listens_for(Session, "after_begin")
def _begin(session: Session, _tx: SessionTransaction, connection: Any) -> None:
    """Every PostgreSQL transaction carries its tenant for the RLS policies (fail closed)."""
    if connection.dialect.name != "postgresql" or ROLE_KEY not in connection.info:
        return  # not an engine of ``engine.create_engine`` (its driver runs transactions)
    info = session.info
    sql = begin_statement(
        info.get("tenant_id"),
        connection.info.get(ROLE_KEY, ""),
        bool(info.get("readonly")),
        set_role=bool(connection.info.get(POOLED_KEY)),
    )
    try:
        _raw(connection, lambda raw: raw.execute(sql))
    except asyncpg.InvalidTextRepresentationError as error:
        if NOT_THE_ROLE in str(error):
            connection.invalidate()  # it left the role for good: never hand it out again
            raise roles.UnsafeRole(f"transaction {error.args[0]}; refusing to serve") from None
        raise


def _raw(
    connection: Any, call: Callable[[Any], Awaitable[Any]], *, only_if_open: bool = False
) -> None:
    """Run ``call`` on the asyncpg connection; invalidate the connection if that lost it.
    ``only_if_open``: skip when there is no open transaction (a rollback of nothing)."""
    if connection.invalidated:
        if only_if_open:
            return  # lost already: the server rolled it back
        raise asyncpg.ConnectionDoesNotExistError("the connection was lost before COMMIT")
    adapted = connection.connection.dbapi_connection
    raw = adapted.driver_connection
    if only_if_open and (raw.is_closed() or not raw.is_in_transaction()):
        return
    try:
        adapted.run_async(call)
    except BaseException as error:
        if raw.is_closed() or faults.is_connection_loss(error):
            connection.invalidate(error if isinstance(error, Exception) else None)
        raise
