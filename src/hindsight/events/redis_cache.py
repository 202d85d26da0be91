"""The production cache: JSON values in Redis with SET PX, shared by every process.

A cache must never take a request down with it: while Redis is unreachable ``get``
misses, ``set`` drops, and ``incr`` answers with a time-based number instead of raising.
That number (nanoseconds since the epoch) is far above any real counter, so keys built
from it miss rather than serve stale data; it is unique, not sequential.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from redis.asyncio import Redis

from hindsight.events.cache import ttl_milliseconds
from hindsight.events.redis_faults import REDIS_FAILURES

logger = logging.getLogger(__name__)

# Short timeouts: a slow cache is worse than none, the caller can always recompute.
_CONNECT_TIMEOUT = 1.0
_SOCKET_TIMEOUT = 1.0


class RedisCache:
    def __init__(self, url: str) -> None:
        self._client = Redis.from_url(
            url, socket_connect_timeout=_CONNECT_TIMEOUT, socket_timeout=_SOCKET_TIMEOUT
        )
        self._failing = False
        self._last_stand_in = 0

    async def get(self, key: str) -> Any | None:
        try:
            raw = await self._client.get(key)
        except REDIS_FAILURES as exc:
            self._degrade("get", key, exc)
            return None
        self._recover()
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            logger.warning("cache entry %s is not JSON; treated as a miss", key)
            return None

    async def set(self, key: str, value: Any, ttl_seconds: float) -> None:
        encoded, px = json.dumps(value), ttl_milliseconds(ttl_seconds)
        try:
            await self._client.set(key, encoded, px=px)
        except REDIS_FAILURES as exc:
            self._degrade("set", key, exc)
            return
        self._recover()

    async def incr(self, key: str) -> int:
        try:
            value = int(await self._client.incr(key))
        except REDIS_FAILURES as exc:
            self._degrade("incr", key, exc)
            return self._stand_in()
        self._recover()
        return value

    async def close(self) -> None:
        await self._client.aclose()

    async def ping(self) -> bool:
        try:
            return bool(await self._client.ping())
        except REDIS_FAILURES:
            return False

    def _stand_in(self) -> int:
        # Strictly increasing even if the clock is coarse or steps back.
        self._last_stand_in = max(time.time_ns(), self._last_stand_in + 1)
        return self._last_stand_in

    def _degrade(self, operation: str, key: str, exc: Exception) -> None:
        # Warn once per outage; every call during it would otherwise log the same thing.
        level = logging.DEBUG if self._failing else logging.WARNING
        logger.log(level, "redis cache %s %s failed, degrading: %s", operation, key, exc)
        self._failing = True

    def _recover(self) -> None:
        if self._failing:
            logger.info("redis cache recovered")
            self._failing = False
