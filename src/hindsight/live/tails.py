"""One outbox reader per (tenant, topic) in a process, shared by the subscribers it concerns.

The outbox is what subscribers receive; Redis only wakes the reader. A ``Tail`` reads the
tenant's events after its position in commit order (``db/outbox.py``) whenever a
subscriber's broker subscription brings a message, and every ``event_poll_seconds``
without one: a replica cut off from Redis, or whose messages were dropped, catches up from
the table. Rows that must wait for an older transaction are read again shortly. Each batch
is read once per process and handed to every listener.

A ``Listener`` starts at the tail's position when it joins and keeps everything after it.
If its subscriber falls more than ``MAX_PENDING`` events behind, its queue is dropped and
marks the gap, which the subscriber replays from the table itself: slowness costs a
re-read, never an event.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
import weakref
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from typing import TypeVar

from hindsight.db import outbox
from hindsight.db.outbox import Entry, Position
from hindsight.events.broker import Broker
from hindsight.services import Services

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_PENDING = 1000
HELD_DELAY = 0.02  # first re-read of rows waiting on an older transaction (then doubled)
MAX_BACKOFF = 5.0


class Listener:
    """One subscriber's queue of entries after ``start``; ``gap`` marks dropped ones."""

    def __init__(self, start: Position) -> None:
        self.start = start
        self.gap: Position | None = None  # entries up to here were dropped: replay them
        self._entries: deque[Entry] = deque()
        self._ready = asyncio.Event()

    def offer(self, entries: list[Entry]) -> None:
        if len(self._entries) + len(entries) > MAX_PENDING:
            self._entries.clear()
            self.gap = entries[-1].position
        else:
            self._entries.extend(entries)
        self._ready.set()

    async def take(self) -> list[Entry]:
        """What arrived since the last call (after a ``gap``, only what followed it)."""
        await self._ready.wait()
        self._ready.clear()
        entries = list(self._entries)
        self._entries.clear()
        return entries


class Tail:
    def __init__(self, services: Services, tenant_id: uuid.UUID, topic: str) -> None:
        self.services, self.tenant_id, self.topic = services, tenant_id, topic
        self.position = outbox.START
        self.reads = 0  # outbox reads completed (tests and benchmarks look)
        self.failures = 0  # and failed (the database away), each retried
        self.ready = asyncio.Event()  # the starting position is known
        self.members = 0  # subscribers using it, joined or waiting for ``ready``
        self._listeners: set[Listener] = set()
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name=f"outbox tail {topic}")

    def wake(self) -> None:
        self._wake.set()

    def join(self) -> Listener:
        listener = Listener(self.position)
        self._listeners.add(listener)
        return listener

    def leave(self, listener: Listener) -> None:
        self._listeners.discard(listener)

    async def stop(self) -> None:
        self._task.cancel()
        await asyncio.wait({self._task})  # never swallows a cancellation of the caller

    async def _run(self) -> None:
        tenant, topic, db = self.tenant_id, self.topic, self.services.db
        self.position = await patiently(
            lambda: db.run(tenant, lambda s: outbox.latest(s, tenant, topic), readonly=True)
        )
        self.ready.set()
        held_delay, failures = HELD_DELAY, 0
        while True:
            self._wake.clear()  # before reading: a wake meanwhile means another read
            try:
                page = await self._read()
                failures = 0
            except Exception as error:
                failures += 1
                self.failures += 1
                level = logging.WARNING if failures == 1 else logging.DEBUG
                log.log(level, "outbox read for %s failed: %r", topic, error)
                page = None
            if page is not None and page.full:
                continue
            held_delay = min(held_delay * 2, self._poll) if page and page.held else HELD_DELAY
            delay = held_delay if page and page.held else self._poll
            if failures:
                delay = min(MAX_BACKOFF, 0.1 * 2 ** (failures - 1))
            with suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._wake.wait()

    @property
    def _poll(self) -> float:
        return self.services.settings.event_poll_seconds

    async def _read(self) -> outbox.Page:
        tenant, topic, after = self.tenant_id, self.topic, self.position
        page = await self.services.db.run(
            tenant, lambda s: outbox.read(s, tenant, topic, after), readonly=True
        )
        self.reads += 1
        if page.entries:
            self.position = page.entries[-1].position
            for listener in self._listeners:
                listener.offer(page.entries)
        return page


async def patiently(read: Callable[[], Awaitable[T]]) -> T:
    """``read()``, retried with backoff until it succeeds: a tail or a replay outlives a
    database restart, as subscriptions do."""
    failures = 0
    while True:
        try:
            return await read()
        except Exception as error:
            failures += 1
            level = logging.WARNING if failures == 1 else logging.DEBUG
            log.log(level, "outbox read failed: %r", error)
            await asyncio.sleep(min(MAX_BACKOFF, 0.1 * 2 ** (failures - 1)))


class Tails:
    """The process's tails, keyed by (tenant, topic)."""

    def __init__(self) -> None:
        self.tails: dict[tuple[uuid.UUID, str], Tail] = {}

    @asynccontextmanager
    async def listen(
        self, services: Services, tenant_id: uuid.UUID, topic: str
    ) -> AsyncIterator[tuple[Tail, Listener]]:
        key = (tenant_id, topic)
        tail = self.tails.get(key)
        if tail is None:
            tail = self.tails[key] = Tail(services, tenant_id, topic)
        tail.members += 1
        listener: Listener | None = None
        try:
            await tail.ready.wait()
            listener = tail.join()
            yield tail, listener
        finally:
            tail.members -= 1
            if listener is not None:
                tail.leave(listener)
            if not tail.members and self.tails.get(key) is tail:
                del self.tails[key]
                await tail.stop()


_TAILS: weakref.WeakKeyDictionary[Broker, Tails] = weakref.WeakKeyDictionary()


def tails_for(services: Services) -> Tails:
    """The process's tails (one registry per broker, like the dashboard hub)."""
    tails = _TAILS.get(services.broker)
    if tails is None:
        tails = _TAILS[services.broker] = Tails()
    return tails
