"""Publish/subscribe for live events: the protocol, in-process fan-out, and the memory broker.

Delivery is at-most-once (docs/operations/redis.md): every message carries an ``id`` and consumers
re-read a snapshot after reconnecting. A subscriber that falls behind loses its oldest
messages rather than slowing the publisher or the other subscribers.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol, cast

logger = logging.getLogger(__name__)

DEFAULT_QUEUE_SIZE = 1000
_CLOSED = object()  # queued last to end a subscriber's iteration


class Broker(Protocol):
    async def start(self) -> None: ...
    async def close(self) -> None: ...
    async def publish(self, channel: str, message: dict[str, Any]) -> None: ...
    async def publish_many(
        self, messages: Sequence[tuple[str, dict[str, Any]]], *, incr: str | None = None
    ) -> None:
        """Publish in order; ``incr`` (a Redis key to increment first, in the same round
        trip) only where the broker and the cache share one Redis."""

    def subscribe(
        self, channel: str
    ) -> AbstractAsyncContextManager[AsyncIterator[dict[str, Any]]]: ...
    async def ping(self) -> bool: ...
    def local_subscribers(self, channel: str) -> int: ...


class Subscription:
    """One local subscriber: a bounded queue, iterated until the subscription ends."""

    def __init__(self, channel: str, queue_size: int) -> None:
        self.channel = channel
        self._queue: asyncio.Queue[object] = asyncio.Queue(queue_size)
        self._dropped = 0

    def put(self, message: dict[str, Any]) -> None:
        """Enqueue without waiting; a full queue gives up its oldest message."""
        if self._queue.full():
            self._queue.get_nowait()
            self._dropped += 1
            # Log the first loss and then every thousandth, so a stuck client cannot flood logs.
            if self._dropped == 1 or self._dropped % 1000 == 0:
                logger.warning(
                    "slow subscriber on %s: dropped %d messages", self.channel, self._dropped
                )
        self._queue.put_nowait(message)

    def close(self) -> None:
        if self._queue.full():
            self._queue.get_nowait()
        self._queue.put_nowait(_CLOSED)

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> dict[str, Any]:
        item = await self._queue.get()
        if item is _CLOSED:
            self._queue.put_nowait(_CLOSED)  # stay ended for any further __anext__
            raise StopAsyncIteration
        return cast(dict[str, Any], item)


class LocalFanout:
    """The process's local subscribers per channel; every broker delivers through one."""

    def __init__(self, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self._queue_size = queue_size
        self._subscribers: dict[str, set[Subscription]] = {}

    def add(self, channel: str) -> tuple[Subscription, bool]:
        """Register a subscriber; the flag says it is the channel's first."""
        subscription = Subscription(channel, self._queue_size)
        subscribers = self._subscribers.setdefault(channel, set())
        subscribers.add(subscription)
        return subscription, len(subscribers) == 1

    def discard(self, subscription: Subscription) -> bool:
        """End a subscriber; True when it was the channel's last."""
        subscription.close()
        subscribers = self._subscribers.get(subscription.channel)
        if subscribers is None:
            return False
        subscribers.discard(subscription)
        if subscribers:
            return False
        del self._subscribers[subscription.channel]
        return True

    def deliver(self, channel: str, message: dict[str, Any]) -> None:
        for subscription in tuple(self._subscribers.get(channel, ())):
            subscription.put(message)

    def has(self, channel: str) -> bool:
        return channel in self._subscribers

    def count(self, channel: str) -> int:
        return len(self._subscribers.get(channel, ()))

    def channels(self) -> list[str]:
        return list(self._subscribers)

    def close(self) -> None:
        """End every subscriber's iteration (process shutdown)."""
        for subscribers in self._subscribers.values():
            for subscription in subscribers:
                subscription.close()
        self._subscribers.clear()


class MemoryBroker:
    """The embedded-mode broker: delivery inside this process only."""

    def __init__(self, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self._fanout = LocalFanout(queue_size)

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        self._fanout.close()

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        # A JSON round trip gives subscribers exactly what Redis would: a copy, and an
        # error here for anything that would not survive the trip.
        self._fanout.deliver(channel, json.loads(json.dumps(message)))

    async def publish_many(
        self, messages: Sequence[tuple[str, dict[str, Any]]], *, incr: str | None = None
    ) -> None:
        assert incr is None, "the in-process cache keeps its own versions"
        for channel, message in messages:
            await self.publish(channel, message)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        subscription, _ = self._fanout.add(channel)
        try:
            yield subscription
        finally:
            self._fanout.discard(subscription)

    async def ping(self) -> bool:
        return True

    def local_subscribers(self, channel: str) -> int:
        """Subscriptions to ``channel`` in this process (a subscription is not acknowledged
        over graphql-transport-ws: tests wait on this)."""
        return self._fanout.count(channel)


def create_broker(redis_url: str | None) -> Broker:
    """The Redis broker when a URL is configured, else the in-process one."""
    if not redis_url:
        return MemoryBroker()
    # Imported here so embedded mode never loads redis.
    from hindsight.events.redis_broker import RedisBroker

    return RedisBroker(redis_url)
