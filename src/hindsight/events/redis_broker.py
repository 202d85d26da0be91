"""The production broker: Redis pub/sub, one subscriber connection per process.

One ``PubSub`` connection subscribes each channel that has at least one local subscriber
and a single reader task fans its messages out in-process, so a thousand WebSocket
subscriptions cost Redis one client. The local fan-out is the source of truth for what
should be subscribed: whenever the connection fails, the reader drops it, waits with
exponential backoff and subscribes every channel that still has local subscribers.
Publishing uses a separate client and, while Redis is down, logs and drops.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from typing import Any

from redis.asyncio import Redis

from hindsight.events.broker import DEFAULT_QUEUE_SIZE, LocalFanout
from hindsight.events.redis_faults import REDIS_FAILURES

logger = logging.getLogger(__name__)

_CONNECT_TIMEOUT = 2.0
_SOCKET_TIMEOUT = 5.0
_READ_POLL = 1.0  # the reader wakes at least this often, so health checks and close run
_HEALTH_CHECK_INTERVAL = 30  # a PING on the idle connection notices a silently dead peer
_CONFIRM_TIMEOUT = 2.0
_MIN_BACKOFF = 0.1
_MAX_BACKOFF = 5.0
# A channel the connection joins with the others and never leaves. redis-py runs a health
# check (PING, then a read) inside subscribe() whenever its PubSub has no channel; that read
# races the reader's own on the same socket, fails, and drops the connection. Never being
# without a channel keeps subscribe() a plain write. Nothing is ever published on it.
_ANCHOR = "hindsight:broker:anchor"


class RedisBroker:
    def __init__(
        self,
        url: str,
        *,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        client_name: str = "hindsight-pubsub",
    ) -> None:
        options: dict[str, Any] = {
            "socket_connect_timeout": _CONNECT_TIMEOUT,
            "socket_timeout": _SOCKET_TIMEOUT,
        }
        self._fanout = LocalFanout(queue_size)
        self._publisher = Redis.from_url(url, **options)
        self._listener = Redis.from_url(
            url,
            decode_responses=True,
            client_name=client_name,
            health_check_interval=_HEALTH_CHECK_INTERVAL,
            **options,
        )
        self._pubsub = self._listener.pubsub()
        self._lock = asyncio.Lock()  # serialises (un)subscribe commands with reconnects
        self._wake = asyncio.Event()  # a channel was added while not connected
        self._confirmations: dict[str, asyncio.Event] = {}
        self._live = False  # the connection is subscribed to every wanted channel
        self._closed = False
        self._backing_off = False  # the reader is waiting to retry a failed connection
        self._publish_failing = False
        self._reader: asyncio.Task[None] | None = None
        self._syncs: set[asyncio.Future[None]] = set()  # (un)subscriptions under way

    async def start(self) -> None:
        if self._closed:
            return
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read_forever(), name="redis-pubsub-reader")

    async def close(self) -> None:
        self._closed = True
        self._live = False
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.wait({self._reader})
            self._reader = None
        if self._syncs:
            await asyncio.wait(self._syncs)
        self._release_confirmations()
        self._fanout.close()
        await self._pubsub.aclose()
        await self._listener.aclose()
        await self._publisher.aclose()

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        await self.publish_many([(channel, message)])

    async def publish_many(
        self, messages: Sequence[tuple[str, dict[str, Any]]], *, incr: str | None = None
    ) -> None:
        """One pipeline (one round trip): ``INCR incr`` first when given (a cache version,
        so a subscriber woken by a message never reads a stale cache), then each
        ``PUBLISH``, in order."""
        pipeline = self._publisher.pipeline(transaction=False)
        if incr is not None:
            pipeline.incr(incr)
        for channel, message in messages:
            pipeline.publish(channel, json.dumps(message))
        try:
            await pipeline.execute()
        except REDIS_FAILURES as exc:
            # Warn once per outage: at-most-once delivery is the contract, a log flood is not.
            level = logging.DEBUG if self._publish_failing else logging.WARNING
            logger.log(level, "redis publish failed, %d messages dropped: %s", len(messages), exc)
            self._publish_failing = True
            return
        if self._publish_failing:
            logger.info("redis publish recovered")
            self._publish_failing = False

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        """Yield the channel's messages; Redis has confirmed the subscription on entry."""
        await self.start()
        subscription, first = self._fanout.add(channel)
        try:
            if first:
                await self._synced(channel)
            await self._confirmed(channel)
            yield subscription
        finally:
            if self._fanout.discard(subscription):
                await self._synced(channel)

    async def ping(self) -> bool:
        try:
            return bool(await self._publisher.ping())
        except REDIS_FAILURES:
            return False

    def local_subscribers(self, channel: str) -> int:
        """Subscriptions to ``channel`` in this process (Redis sees one for them all)."""
        return self._fanout.count(channel)

    async def _synced(self, channel: str) -> None:
        """``_sync`` in a task of its own: a subscriber cancelled meanwhile (its client left)
        can neither cut the command short nor skip the unsubscription that follows."""
        task = asyncio.ensure_future(self._sync(channel))
        self._syncs.add(task)
        task.add_done_callback(self._syncs.discard)
        await asyncio.shield(task)

    async def _sync(self, channel: str) -> None:
        """Make Redis's subscription to ``channel`` match whether it has local subscribers."""
        async with self._lock:
            wanted = self._fanout.has(channel)
            self._expect_confirmation(channel, wanted)
            if self._closed:
                return
            if not self._live:
                self._wake.set()  # the reader subscribes every wanted channel on (re)connect
                return
            try:
                if wanted:
                    await self._pubsub.subscribe(channel)
                else:
                    await self._pubsub.unsubscribe(channel)
            except Exception as exc:
                # Not only RedisError: the reader may tear the connection down under this
                # write (redis-py then fails with AttributeError). Either way it is gone.
                logger.warning("redis (un)subscribe %s failed: %r", channel, exc)
                self._live = False  # the reader reconnects and resubscribes

    def _expect_confirmation(self, channel: str, wanted: bool) -> None:
        if wanted and not self._backing_off and not self._closed:
            self._confirmations.setdefault(channel, asyncio.Event())
        elif not wanted and (event := self._confirmations.pop(channel, None)):
            event.set()

    async def _confirmed(self, channel: str) -> None:
        event = self._confirmations.get(channel)
        if event is not None:
            # Redis down: go on unconfirmed; delivery starts once the reader reconnects.
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation
            # that arrives as the event is set, and the client that left stays subscribed.
            with suppress(TimeoutError):
                async with asyncio.timeout(_CONFIRM_TIMEOUT):
                    await event.wait()

    def _release_confirmations(self) -> None:
        for event in self._confirmations.values():
            event.set()
        self._confirmations.clear()

    async def _read_forever(self) -> None:
        failures = 0
        while True:
            try:
                await self._wait_for_channels()
                await self._resubscribe()
                failures = 0
                await self._pump()
            except Exception as exc:  # the reader must outlive any failure, expected or not
                failures += 1
                await self._back_off(failures, exc)

    async def _back_off(self, failures: int, exc: Exception) -> None:
        self._live = False
        delay = min(_MAX_BACKOFF, _MIN_BACKOFF * 2 ** (failures - 1))
        if isinstance(exc, REDIS_FAILURES):
            logger.warning("redis pub/sub lost (%s); reconnecting in %.1fs", exc, delay)
        else:
            logger.exception("redis pub/sub reader failed; restarting in %.1fs", delay)
        # New subscribers go on unconfirmed meanwhile; nobody waits on a dead connection.
        self._backing_off = True
        self._release_confirmations()
        try:
            await asyncio.sleep(delay)
        finally:
            self._backing_off = False

    async def _wait_for_channels(self) -> None:
        # With nothing to listen to there is no reason to hold (or retry) a connection.
        while not self._fanout.channels():
            self._wake.clear()
            await self._wake.wait()

    async def _resubscribe(self) -> None:
        async with self._lock:
            # A fresh connection and fresh bookkeeping: redis-py's own reconnect would
            # resubscribe its record of channels, which can disagree with the fan-out.
            await self._pubsub.aclose()
            self._live = False
            channels = self._fanout.channels()
            if not channels:  # the last subscriber left meanwhile
                return
            for channel in channels:
                self._confirmations.setdefault(channel, asyncio.Event())
            await self._pubsub.subscribe(_ANCHOR, *channels)
            self._live = True
            logger.info("redis pub/sub subscribed to %d channels", len(channels))

    async def _pump(self) -> None:
        """Dispatch messages until the connection fails or a command marks it stale."""
        while self._live:
            message = await self._pubsub.get_message(timeout=_READ_POLL)
            if message is not None:
                self._dispatch(message)

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind, channel = message.get("type"), message.get("channel")
        if kind == "subscribe":
            event = self._confirmations.pop(channel, None) if channel else None
            if event is not None:
                event.set()
        elif kind == "message" and channel:
            try:
                payload = json.loads(message["data"])
            except (TypeError, ValueError):
                logger.warning("dropping a non-JSON message on %s", channel)
                return
            self._fanout.deliver(channel, payload)
