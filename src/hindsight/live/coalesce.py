"""Per-key rate limiting of a live message stream: at most one message per key per interval.

``calibrationUpdates`` hears of every resolution that changes a curve; a burst of them
would re-read the same curve many times a second. Like ``dashboardUpdates`` (``live.py``),
the first change is passed on at once and the changes inside the following interval are
folded into one, passed on when the interval ends — the last change is never dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Hashable
from typing import TypeVar

M = TypeVar("M")


async def coalesce(
    messages: AsyncIterator[M],
    key: Callable[[M], Hashable],
    interval: float,
    clock: Callable[[], float] = time.monotonic,
) -> AsyncIterator[M]:
    """Yield a message at once if its key yielded none within ``interval``; otherwise hold it
    (the newest held per key wins) and yield it when the key's interval has passed."""
    sent: dict[Hashable, float] = {}
    held: dict[Hashable, M] = {}
    upcoming: asyncio.Future[M] | None = None
    try:
        while True:
            for k in [k for k in held if clock() - sent[k] >= interval]:
                sent[k] = clock()
                yield held.pop(k)
            if upcoming is None:
                upcoming = asyncio.ensure_future(anext(messages))
            due = [sent[k] + interval - clock() for k in held]
            done, _ = await asyncio.wait({upcoming}, timeout=max(min(due), 0) if due else None)
            if not done:
                continue  # a held message is due; the next one keeps being awaited
            try:
                message = upcoming.result()
            except StopAsyncIteration:
                for leftover in held.values():
                    yield leftover
                return
            upcoming = None
            k = key(message)
            if k in sent and clock() - sent[k] < interval:
                held[k] = message
                continue
            sent[k] = clock()
            yield message
    finally:
        if upcoming is not None and not upcoming.done():
            upcoming.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                await upcoming
