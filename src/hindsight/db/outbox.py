"""The event outbox: written in the transaction of each change, read back in commit order.

``write`` is where a session's events enter the table: the unit of work calls it just
before COMMIT with the transaction's events, as one multi-row INSERT. The hot units on
asyncpg (``db/lean.py``) write the same columns with ``lean.OUTBOX_INSERT``, or in their
own statement (``domain/outcomes/hot.py``). Delivery order is (``txid``, ``position``):

- SQLite has one writer at a time (``BEGIN IMMEDIATE``), so autoincrement positions are
  already commit order; ``txid`` is 0.
- PostgreSQL numbers rows when they are inserted, not when they commit, so a transaction
  that commits late could land behind a reader's cursor. Each row keeps its transaction id
  (``pg_current_xact_id()``) and readers only take rows whose transaction is older than
  their snapshot's ``xmin``: every transaction that could still add rows before them has
  ended. Later rows wait (``Page.held``) until it has.

A ``Position`` is (txid, position, when); its cursor is opaque to clients.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from sqlalchemy import ColumnElement, Table, delete, insert, literal_column, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db import dialects
from hindsight.db.models import OutboxEvent

TABLE = cast(Table, OutboxEvent.__table__)
CHUNK = 1000  # rows per INSERT: far below any driver's parameter limit
PG_TXID = "pg_current_xact_id()::text::bigint"
PG_HORIZON = "pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
NO_HORIZON = str(2**63 - 1)  # SQLite: every committed row is in order already
CURSOR_VERSION = "1"


class Raised(Protocol):
    """What the unit of work collects (``domain.events.Event``; db may not import it)."""

    topic: str
    payload: dict[str, Any]
    id: str


@dataclass(frozen=True, order=True)
class Position:
    """Where an event stands in its tenant's order; ``at`` (epoch seconds) says how old it
    is, so a cursor past the retention is refused without a lookup."""

    txid: int
    position: int
    at: int = 0

    def cursor(self) -> str:
        raw = f"{CURSOR_VERSION}.{self.txid}.{self.position}.{self.at}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def parse(cls, cursor: str) -> Position:
        """The position of a cursor ``cursor()`` made; ``ValueError`` for anything else."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError) as error:
            raise ValueError("not a cursor") from error
        version, *numbers = raw.split(".")
        if version != CURSOR_VERSION or len(numbers) != 3 or not all(n.isdigit() for n in numbers):
            raise ValueError("not a cursor")
        txid, position, at = (int(n) for n in numbers)
        if max(txid, position) >= 2**63:
            raise ValueError("not a cursor")
        return cls(txid, position, at)

    @property
    def key(self) -> tuple[int, int]:
        return self.txid, self.position


START = Position(0, 0)


@dataclass(frozen=True)
class Entry:
    """One event read back: its place, the message as it was published, and its cursor
    (made once per read, whoever many subscribers it goes to)."""

    position: Position
    message: dict[str, Any]
    cursor: str


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    held: bool  # rows exist past the last entry that must wait for older transactions
    full: bool  # the page hit its limit: read again at once


async def record(session: AsyncSession) -> None:
    """Write the unit of work's events (``session.info["events"]``), if it has any."""
    events, tenant_id = session.info.get("events"), session.info.get("tenant_id")
    if events and tenant_id is not None:
        await write(session, tenant_id, events, dt.datetime.now(dt.UTC))


async def write(
    session: AsyncSession, tenant_id: uuid.UUID, events: Sequence[Raised], now: dt.datetime
) -> None:
    """Insert the transaction's events (in the caller's transaction, before COMMIT)."""
    postgres = dialects.dialect_of(session) == "postgresql"
    txid: ColumnElement[Any] | int = literal_column(PG_TXID) if postgres else 0
    rows = [
        {
            "tenant_id": tenant_id,
            "txid": txid,
            "topic": event.topic,
            "payload": {"id": event.id, **event.payload},
            "created_at": now,
        }
        for event in events
    ]
    for start in range(0, len(rows), CHUNK):
        await session.execute(insert(TABLE).values(rows[start : start + CHUNK]))


def _horizon(session: AsyncSession) -> ColumnElement[int]:
    postgres = dialects.dialect_of(session) == "postgresql"
    return literal_column(PG_HORIZON if postgres else NO_HORIZON)


def _order() -> ColumnElement[Any]:
    return tuple_(TABLE.c.txid, TABLE.c.position)


async def read(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    topic: str,
    after: Position,
    *,
    upto: Position | None = None,
    since: dt.datetime | None = None,
    limit: int = 500,
) -> Page:
    """The tenant's ``topic`` events after ``after`` (and up to ``upto``, and written at or
    after ``since``), in order; only those no running transaction can still precede."""
    query = (
        select(TABLE.c.txid, TABLE.c.position, TABLE.c.payload, TABLE.c.created_at)
        .add_columns(_horizon(session).label("horizon"))
        .where(TABLE.c.tenant_id == tenant_id, TABLE.c.topic == topic)
        .where(_order() > tuple_(after.txid, after.position))
        .order_by(TABLE.c.txid, TABLE.c.position)
        .limit(limit)
    )
    if upto is not None:
        query = query.where(_order() <= tuple_(upto.txid, upto.position))
    if since is not None:
        query = query.where(TABLE.c.created_at >= since)
    rows = (await session.execute(query)).all()
    ready = [row for row in rows if row.txid < int(row.horizon)]
    entries = [_entry(row) for row in ready]
    return Page(entries, held=len(ready) < len(rows), full=len(rows) == limit)


async def latest(session: AsyncSession, tenant_id: uuid.UUID, topic: str) -> Position:
    """The newest position of ``topic`` a reader may take now (``START`` if none): a new
    listener starts there, so everything that commits later still reaches it."""
    horizon = _horizon(session)
    query = (
        select(TABLE.c.txid, TABLE.c.position, TABLE.c.created_at)
        .where(TABLE.c.tenant_id == tenant_id, TABLE.c.topic == topic)
        .where(TABLE.c.txid < horizon)
        .order_by(TABLE.c.txid.desc(), TABLE.c.position.desc())
        .limit(1)
    )
    row = (await session.execute(query)).first()
    return START if row is None else _position(row)


async def prune(session: AsyncSession, tenant_id: uuid.UUID, before: dt.datetime) -> int:
    """Delete the tenant's events written before ``before``; how many went."""
    result = await session.execute(
        delete(TABLE).where(TABLE.c.tenant_id == tenant_id, TABLE.c.created_at < before)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _entry(row: Any) -> Entry:
    position = _position(row)
    return Entry(position, dict(row.payload), position.cursor())


def _position(row: Any) -> Position:
    at = row.created_at
    return Position(int(row.txid), int(row.position), int(at.timestamp()) if at else 0)
