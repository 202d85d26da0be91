"""One outbox reader per (tenant, topic) in a process, shared by the subscribers it concerns.

The outbox is what subscribers receive; Redis only wakes the reader. A ``Tail`` subscribes
to the (tenant, topic) channel once and reads the tenant's events after its position in
commit order (``db/outbox.py``) whenever a message comes, and every ``event_poll_seconds``
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
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from typing import TypeVar

from hindsight.db import outbox
from hindsight.db.outbox import Entry, Position
from hindsight.live.per_process import PerProcess
from hindsight.services import Services, channel

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_PENDING = 1000
# Re-reads of rows that wait on an older transaction: soon, as such a wait is usually a
# transaction between its INSERT and its COMMIT, but at most every 50 ms.
HELD_DELAYS = (0.005, 0.01, 0.02, 0.05)
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

    def join(self) -> Listener:
        listener = Listener(self.position)
        self._listeners.add(listener)
        return listener

    def leave(self, listener: Listener) -> None:
        self._listeners.discard(listener)

    async def stop(self) -> None:
        self._task.cancel()
        await asyncio.wait({self._task})  # never swallows a cancellation of the caller

    @property
    def listeners(self) -> int:
        """Subscribers receiving its entries (tests wait on it: graphql-transport-ws does
        not acknowledge a subscription)."""
        return len(self._listeners)

    async def _run(self) -> None:
        """Subscribed to the broker (its wake-ups) before the first read: a commit after
        the starting position is read at once, not at the next poll."""
        broker, name = self.services.broker, channel(self.tenant_id, self.topic)
        async with broker.subscribe(name) as wakes:
            waker = asyncio.create_task(self._wake_on(wakes))
            try:
                await self._start()
                await self._follow()
            finally:
                waker.cancel()

    async def _wake_on(self, wakes: AsyncIterator[object]) -> None:
        async for _ in wakes:
            self._wake.set()

    async def _start(self) -> None:
        tenant, topic, db = self.tenant_id, self.topic, self.services.db
        self.position = await patiently(
            lambda: db.run(tenant, lambda s: outbox.latest(s, tenant, topic), readonly=True)
        )
        self.ready.set()

    async def _follow(self) -> None:
        topic = self.topic
        failures = held = 0
        while True:
            self._wake.clear()  # before reading: a wake meanwhile means another read
            try:
                page: outbox.Page | None = await self._read()
                failures = 0
            except Exception as error:
                page, failures = None, failures + 1
                self.failures += 1
                level = logging.WARNING if failures == 1 else logging.DEBUG
                log.log(level, "outbox read for %s failed: %r", topic, error)
            if page is not None and page.full:
                continue
            held = held + 1 if page is not None and page.held else 0
            with suppress(TimeoutError):
                async with asyncio.timeout(self._pause(failures, held)):
                    await self._wake.wait()

    def _pause(self, failures: int, held: int) -> float:
        """How long to wait for a wake-up before reading again: backing off after failures,
        briefly while rows wait on an older transaction, else the poll interval."""
        if failures:
            return min(MAX_BACKOFF, 0.1 * 2.0 ** (failures - 1))
        if held:
            return HELD_DELAYS[min(held, len(HELD_DELAYS)) - 1]
        return self._poll

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
    ) -> AsyncIterator[Listener]:
        key = (tenant_id, topic)
        tail = self.tails.get(key)
        if tail is None:
            tail = self.tails[key] = Tail(services, tenant_id, topic)
        tail.members += 1
        listener: Listener | None = None
        try:
            await tail.ready.wait()
            listener = tail.join()
            yield listener
        finally:
            tail.members -= 1
            if listener is not None:
                tail.leave(listener)
            if not tail.members and self.tails.get(key) is tail:
                del self.tails[key]
                await tail.stop()


tails_for = PerProcess(lambda _services: Tails())  # the process's tails
