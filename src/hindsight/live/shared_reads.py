"""One read per (event, visibility) in a process, shared by the subscribers it concerns.

An event is re-read for each subscriber under that subscriber's visibility; subscribers with
the same visibility (every ADMIN of a tenant, every AGENT, one rep's several tabs) would read
the same row. The first one's read runs in a fresh read-only transaction; the others, while
it runs or shortly after, take its result (or its NotFound). Results are plain values and
carry no DataLoader, so sharing them shares no request state. A read that fails for another
reason than an answer (``NotFound``: not theirs to see) is forgotten at once, so a retry
after a database outage reads again instead of getting the old failure.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

from hindsight.domain.errors import NotFound
from hindsight.live.per_process import PerProcess

T = TypeVar("T")

TTL_SECONDS = 5.0  # far longer than one event takes to reach every local subscriber
MAX_ENTRIES = 10_000
ANSWERS = (NotFound, KeyError)  # failures that are the read's result, shared like one


class SharedReads:
    def __init__(self, ttl: float = TTL_SECONDS, max_entries: int = MAX_ENTRIES) -> None:
        self._ttl, self._max_entries = ttl, max_entries
        self._entries: OrderedDict[Hashable, tuple[float, asyncio.Task[Any]]] = OrderedDict()
        self.reads = 0  # reads actually run (tests and benchmarks look)
        self.failures = 0  # reads that failed and were forgotten

    async def read(self, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        """``load()``'s result, run once per ``key`` within the TTL."""
        now = time.monotonic()
        self._expire(now)
        entry = self._entries.get(key)
        if entry is None:
            entry = (now, asyncio.ensure_future(load()))
            entry[1].add_done_callback(functools.partial(self._settled, key))
            self._entries[key] = entry
            self.reads += 1
        # Shielded: one subscriber leaving must not cancel the read the others wait for.
        result: T = await asyncio.shield(entry[1])
        return result

    def _settled(self, key: Hashable, task: asyncio.Task[Any]) -> None:
        # Fetching the outcome also keeps asyncio from logging it when every waiter left.
        error = None if task.cancelled() else task.exception()
        if task.cancelled() or (error is not None and not isinstance(error, ANSWERS)):
            entry = self._entries.get(key)
            if entry is not None and entry[1] is task:
                del self._entries[key]
                self.failures += 1

    def _expire(self, now: float) -> None:
        while self._entries:
            key, (at, _) = next(iter(self._entries.items()))
            if now - at < self._ttl and len(self._entries) < self._max_entries:
                return
            del self._entries[key]


reads_for = PerProcess(lambda _services: SharedReads())  # the process's shared reads
