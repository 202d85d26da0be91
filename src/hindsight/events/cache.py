"""A small key/value cache for dashboards: the protocol and the in-process implementation.

Values are JSON-serialisable and come back as JSON would give them (a copy; tuples become
lists), in every implementation. Entries expire after their TTL. Counters (``incr``) never
expire and are never evicted: they carry tenant versions that cached keys embed, and a
counter that restarted from zero could bring a stale entry back.
"""

from __future__ import annotations

import json
import math
import time
from collections import OrderedDict
from typing import Any, Protocol

DEFAULT_MAX_ENTRIES = 10_000


class Cache(Protocol):
    async def get(self, key: str) -> Any | None: ...
    async def set(self, key: str, value: Any, ttl_seconds: float) -> None: ...
    async def incr(self, key: str) -> int: ...
    async def close(self) -> None: ...
    async def ping(self) -> bool: ...


def ttl_milliseconds(ttl_seconds: float) -> int:
    """The TTL rounded up to whole milliseconds (Redis's PX unit); it must be positive."""
    if not ttl_seconds > 0:
        raise ValueError(f"ttl_seconds must be positive, got {ttl_seconds}")
    return max(1, math.ceil(ttl_seconds * 1000))


class MemoryCache:
    """The embedded-mode cache: TTL entries in least-recently-used order, bounded in size."""

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self._max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._counters: dict[str, int] = {}

    async def get(self, key: str) -> Any | None:
        if key in self._counters:
            return self._counters[key]
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires_at, encoded = entry
        if expires_at <= time.monotonic():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return json.loads(encoded)

    async def set(self, key: str, value: Any, ttl_seconds: float) -> None:
        expires_at = time.monotonic() + ttl_milliseconds(ttl_seconds) / 1000
        # Stored encoded, so later changes to the caller's object do not leak in.
        self._entries[key] = (expires_at, json.dumps(value))
        self._entries.move_to_end(key)
        self._counters.pop(key, None)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    async def incr(self, key: str) -> int:
        self._entries.pop(key, None)
        value = self._counters.get(key, 0) + 1
        self._counters[key] = value
        return value

    async def close(self) -> None:
        self._entries.clear()

    async def ping(self) -> bool:
        return True


def create_cache(redis_url: str | None) -> Cache:
    """The Redis cache when a URL is configured, else the in-process one."""
    if not redis_url:
        return MemoryCache()
    # Imported here so embedded mode never loads redis.
    from hindsight.events.redis_cache import RedisCache

    return RedisCache(redis_url)
