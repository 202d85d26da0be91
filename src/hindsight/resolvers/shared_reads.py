"""One read per (event, visibility) in a process, shared by the subscribers it concerns.

An event is re-read for each subscriber under that subscriber's visibility; subscribers with
the same visibility (every ADMIN of a tenant, every AGENT, one rep's several tabs) would read
the same row. The first one's read runs in a fresh read-only transaction; the others, while
it runs or shortly after, take its result (or its NotFound). Results are plain values and
carry no DataLoader, so sharing them shares no request state.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

from hindsight.events.broker import Broker
from hindsight.services import Services

T = TypeVar("T")

TTL_SECONDS = 5.0  # far longer than one event takes to reach every local subscriber
MAX_ENTRIES = 10_000


class SharedReads:
    def __init__(self, ttl: float = TTL_SECONDS, max_entries: int = MAX_ENTRIES) -> None:
        self._ttl, self._max_entries = ttl, max_entries
        self._entries: OrderedDict[Hashable, tuple[float, asyncio.Task[Any]]] = OrderedDict()
        self.reads = 0  # reads actually run (tests and benchmarks look)

    async def read(self, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        """``load()``'s result, run once per ``key`` within the TTL."""
        now = time.monotonic()
        self._expire(now)
        entry = self._entries.get(key)
        if entry is None:
            entry = (now, asyncio.ensure_future(load()))
            entry[1].add_done_callback(_retrieve)
            self._entries[key] = entry
            self.reads += 1
        # Shielded: one subscriber leaving must not cancel the read the others wait for.
        result: T = await asyncio.shield(entry[1])
        return result

    def _expire(self, now: float) -> None:
        while self._entries:
            key, (at, _) = next(iter(self._entries.items()))
            if now - at < self._ttl and len(self._entries) < self._max_entries:
                return
            del self._entries[key]


def _retrieve(task: asyncio.Task[Any]) -> None:
    # Every waiter may have left; fetching the outcome keeps asyncio from logging it.
    if not task.cancelled():
        task.exception()


_READS: weakref.WeakKeyDictionary[Broker, SharedReads] = weakref.WeakKeyDictionary()


def reads_for(services: Services) -> SharedReads:
    """The process's shared reads (one per broker, like the dashboard hub)."""
    reads = _READS.get(services.broker)
    if reads is None:
        reads = _READS[services.broker] = SharedReads()
    return reads
