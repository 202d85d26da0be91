"""Give memory back to the operating system after a wave of WebSocket disconnects.

A thousand subscribers leaving free their buffers, compression contexts and tasks, but
glibc keeps freed heap pages for reuse, so the process's RSS stays at its peak until a
``malloc_trim``. Once ``threshold`` connections have closed, a trim runs ``delay`` seconds
after the wave's last close (one per wave, never per connection): a full garbage
collection first, so objects in reference cycles are freed too, then ``malloc_trim(0)``.
Elsewhere than glibc it only collects.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import logging
from collections.abc import Callable
from typing import cast

log = logging.getLogger(__name__)

THRESHOLD = 100
DELAY_SECONDS = 2.0


def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return cast(Callable[[int], int], ctypes.CDLL(name).malloc_trim)
    except (OSError, AttributeError):
        return None


class Trimmer:
    def __init__(self, threshold: int = THRESHOLD, delay: float = DELAY_SECONDS) -> None:
        self.threshold, self.delay = threshold, delay
        self.closed = 0
        self.trims = 0
        self._pending: asyncio.TimerHandle | None = None
        self._trim = _malloc_trim()

    def connection_closed(self) -> None:
        """Count a close; from ``threshold`` on, (re)arm the trim for ``delay`` after the
        last close of the wave."""
        self.closed += 1
        if self.closed < self.threshold:
            return
        if self._pending is not None:
            self._pending.cancel()
        self._pending = asyncio.get_running_loop().call_later(self.delay, self.trim)

    @property
    def armed(self) -> bool:
        """Whether a trim is due (a wave of closes has begun and not yet been trimmed)."""
        return self._pending is not None

    def trim(self) -> None:
        self._pending, self.closed = None, 0
        self.trims += 1
        gc.collect()
        if self._trim is not None:
            self._trim(0)
        log.debug("memory trimmed after a wave of closed connections")


TRIMMER = Trimmer()
