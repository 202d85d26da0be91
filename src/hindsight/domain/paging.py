"""Relay cursor paging over any SELECT of rows: keyset on (sort column, id), both ways.

Keyset, not OFFSET: a page costs the same deep in the list as at its head, and rows added
meanwhile never shift what the next page shows. A cursor names its order, so one taken
under another ``orderBy`` is refused instead of silently skipping rows.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from hindsight.domain.errors import ValidationFailed

T = TypeVar("T")
DEFAULT_SIZE = 50


@dataclass(frozen=True)
class Window:
    """Relay's arguments: ``first``/``after`` pages forward, ``last``/``before`` backward."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    @property
    def forward(self) -> bool:
        return self.last is None and self.before is None

    def checked(self, cap: int) -> Window:
        """Refuses mixed directions and sizes outside 1..``cap``; defaults to the first 50."""
        if not self.forward and (self.first is not None or self.after is not None):
            raise ValidationFailed("last", "page forward (first/after) or back (last/before)")
        name, size = ("first", self.first) if self.forward else ("last", self.last)
        size = DEFAULT_SIZE if size is None else size
        if not 1 <= size <= cap:
            raise ValidationFailed(name, f"must be between 1 and {cap}")
        if self.forward:
            return Window(first=size, after=self.after)
        return Window(last=size, before=self.before)


@dataclass(frozen=True)
class Order:
    """Sort on ``column`` (ties broken by ``key``, the id); ``name`` goes into cursors."""

    name: str
    column: InstrumentedAttribute[Any]
    key: InstrumentedAttribute[Any]
    descending: bool = True


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    order: Order
    has_next: bool
    has_previous: bool

    def cursor(self, index: int) -> str:
        """The cursor of ``items[index]``, made when a client asks for it (JSON and base64
        for each of a page's rows were a third of reading it)."""
        return encode_cursor(self.order, self.items[index])


async def read_page(
    session: AsyncSession, stmt: Select[Any], order: Order, window: Window
) -> Page[Any]:
    """One page of ``stmt``'s rows in ``order``, as ``window`` (already checked) asks."""
    forward = window.forward
    size = window.first if forward else window.last
    assert size is not None, "call Window.checked first"
    cursor, field = (window.after, "after") if forward else (window.before, "before")
    descending = order.descending == forward  # backward: read the other way, then reverse
    pair = tuple_(order.column, order.key)
    if cursor is not None:
        mark = tuple_(*decode_cursor(cursor, order, field))
        stmt = stmt.where(pair < mark if descending else pair > mark)
    columns = (order.column, order.key)
    stmt = stmt.order_by(*(c.desc() if descending else c.asc() for c in columns))
    rows = list(await session.scalars(stmt.limit(size + 1)))
    more, rows = len(rows) > size, rows[:size]
    if not forward:
        rows.reverse()
    if forward:
        return Page(rows, order, has_next=more, has_previous=cursor is not None)
    return Page(rows, order, has_next=cursor is not None, has_previous=more)


async def count_rows(session: AsyncSession, stmt: Select[Any]) -> int:
    """How many rows ``stmt`` selects (``totalCount``; one COUNT, run only when asked)."""
    counted = select(func.count()).select_from(stmt.order_by(None).subquery())
    return int(await session.scalar(counted) or 0)


def encode_cursor(order: Order, row: Any) -> str:
    value = getattr(row, order.column.key)
    shown = value.isoformat() if isinstance(value, dt.datetime) else value
    raw = json.dumps([order.name, shown, str(getattr(row, order.key.key))])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str, order: Order, field: str) -> tuple[Any, uuid.UUID]:
    try:
        name, value, key = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
        if name != order.name:
            raise ValidationFailed(field, "is a cursor of another orderBy")
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        return value, uuid.UUID(key)
    except (ValueError, TypeError, UnicodeDecodeError, binascii.Error):
        raise ValidationFailed(field, "is not a cursor this API returned") from None
