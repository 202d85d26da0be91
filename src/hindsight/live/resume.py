"""A subscriber's events: replayed from the outbox after its cursor, then live, each once.

``entries`` joins the process's tail for the (tenant, topic), which fixes where live
delivery starts: once the tail counts the subscriber among its ``listeners``, every event
that commits later reaches it. With a
cursor older than the tail's start, the subscriber first replays (cursor, start] from the
table itself, in pages; the tail's entries follow, and anything at or before the last
position handed out is skipped: no gap and no duplicate at the seam.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncGenerator
from contextlib import aclosing

from hindsight.db import outbox
from hindsight.db.outbox import Entry, Position
from hindsight.domain.errors import ValidationFailed
from hindsight.live.tails import Listener, patiently, tails_for
from hindsight.services import Services

PAGE = 500


def parse_cursor(services: Services, cursor: str | None) -> Position | None:
    """The position of a client's ``after`` cursor; ``ValidationFailed`` for a string this
    server did not hand out, or a cursor older than ``event_retention``."""
    if cursor is None:
        return None
    try:
        position = Position.parse(cursor)
    except ValueError:
        raise ValidationFailed("after", "not an event cursor: pass `cursor` as received") from None
    retention = services.settings.event_retention
    if position.at < (services.now() - retention).timestamp():
        raise ValidationFailed(
            "after",
            f"the cursor is older than the event retention ({retention}); its events are "
            "gone: subscribe without `after` and reload what you show from the queries",
        )
    return position


async def entries(
    services: Services, tenant_id: uuid.UUID, topic: str, after: Position | None
) -> AsyncGenerator[Entry, None]:
    """The tenant's ``topic`` events after ``after`` (``None``: from now on), in order."""
    since = dt.datetime.now(dt.UTC) if after is None else None  # rows carry the wall clock
    async with tails_for(services).listen(services, tenant_id, topic) as listener:
        delivered = _delivered(services, tenant_id, topic, after, since, listener)
        async with aclosing(delivered):
            async for entry in delivered:
                yield entry


async def _delivered(
    services: Services,
    tenant_id: uuid.UUID,
    topic: str,
    after: Position | None,
    since: dt.datetime | None,
    listener: Listener,
) -> AsyncGenerator[Entry, None]:
    """Without a cursor, the events written since the subscription began that the tail had
    handed out before it joined (joining a new tail waits for a read), then the tail's."""
    last = outbox.START if after is None else after
    async with aclosing(replay(services, tenant_id, topic, last, listener.start, since)) as old:
        async for entry in old:
            yield entry
    last = _later(last, listener.start)
    while True:
        fresh = await listener.take()
        if (gap := listener.gap) is not None:  # it fell behind: what it missed, from the table
            listener.gap = None
            async with aclosing(replay(services, tenant_id, topic, last, gap)) as missed:
                async for entry in missed:
                    yield entry
            last = _later(last, gap)
        for entry in fresh:
            if entry.position.key > last.key:
                yield entry
                last = entry.position


def _later(a: Position, b: Position) -> Position:
    return a if a.key >= b.key else b


async def replay(
    services: Services,
    tenant_id: uuid.UUID,
    topic: str,
    after: Position,
    upto: Position,
    since: dt.datetime | None = None,
) -> AsyncGenerator[Entry, None]:
    """The events in (``after``, ``upto``] (written at or after ``since``), page by page,
    each page in a read-only transaction."""
    while after.key < upto.key:
        page = await patiently(
            lambda a=after: services.db.run(  # type: ignore[misc]
                tenant_id,
                lambda s: outbox.read(s, tenant_id, topic, a, upto=upto, since=since, limit=PAGE),
                readonly=True,
            )
        )
        for entry in page.entries:
            yield entry
        if not page.full or not page.entries:
            return
        after = page.entries[-1].position
