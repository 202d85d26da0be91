"""The broker contract, run against MemoryBroker and RedisBroker; then Redis-only behaviour:
one subscriber connection per process, publishing while Redis is away, reconnecting."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import pytest
from redis.asyncio import Redis

from hindsight.events.broker import Broker, MemoryBroker, create_broker
from hindsight.events.redis_broker import RedisBroker
from tests.events.conftest import QUEUE_SIZE
from tests.services import REDIS_URL

TIMEOUT = 5.0
UNREACHABLE_URL = "redis://127.0.0.1:1/0"

Messages = AsyncIterator[dict[str, Any]]


async def receive(messages: Messages, within: float = TIMEOUT) -> dict[str, Any]:
    return await asyncio.wait_for(anext(messages), within)


async def ids_until(messages: Messages, last: Any) -> list[Any]:
    """The ids received before (not including) the message whose id is ``last``."""
    ids = []
    while (message := await receive(messages))["id"] != last:
        ids.append(message["id"])
    return ids


@asynccontextmanager
async def running(broker: Broker) -> AsyncIterator[Broker]:
    await broker.start()
    try:
        yield broker
    finally:
        await broker.close()


# --- the contract, for every implementation -----------------------------------------


async def test_a_published_message_arrives_as_json_would_carry_it(
    broker: Broker, channel: str
) -> None:
    async with broker.subscribe(channel) as messages:
        await broker.publish(channel, {"id": "m1", "pair": (1, 2), "nested": {"ok": True}})
        assert await receive(messages) == {"id": "m1", "pair": [1, 2], "nested": {"ok": True}}


async def test_every_local_subscriber_gets_every_message_exactly_once(
    broker: Broker, channel: str
) -> None:
    async with AsyncExitStack() as stack:
        subscribers = [
            await stack.enter_async_context(broker.subscribe(channel)) for _ in range(10)
        ]
        for number in range(3):
            await broker.publish(channel, {"id": number})
        await broker.publish(channel, {"id": "end"})
        for messages in subscribers:
            assert await ids_until(messages, "end") == [0, 1, 2]


async def test_leaving_the_context_ends_that_subscription_only(
    broker: Broker, channel: str
) -> None:
    async with broker.subscribe(channel) as stays:
        async with broker.subscribe(channel) as leaves:
            await broker.publish(channel, {"id": 1})
            assert (await receive(leaves))["id"] == 1
        await broker.publish(channel, {"id": 2})
        assert await ids_until(stays, 2) == [1]
        with pytest.raises(StopAsyncIteration):
            await receive(leaves)


async def test_local_subscribers_counts_this_process_subscriptions(
    broker: Broker, channel: str
) -> None:
    assert broker.local_subscribers(channel) == 0
    async with broker.subscribe(channel), broker.subscribe(channel):
        assert broker.local_subscribers(channel) == 2
        assert broker.local_subscribers(f"{channel}:other") == 0
        async with broker.subscribe(channel):
            assert broker.local_subscribers(channel) == 3
        assert broker.local_subscribers(channel) == 2
    assert broker.local_subscribers(channel) == 0


async def test_a_channel_can_be_subscribed_again_after_everyone_left(
    broker: Broker, channel: str
) -> None:
    async with broker.subscribe(channel):
        pass
    async with broker.subscribe(channel) as messages:
        await broker.publish(channel, {"id": "again"})
        assert (await receive(messages))["id"] == "again"


async def test_channels_are_isolated(broker: Broker, channel: str) -> None:
    other = f"{channel}:other"
    async with broker.subscribe(channel) as mine, broker.subscribe(other) as theirs:
        await broker.publish(channel, {"id": "mine"})
        await broker.publish(other, {"id": "theirs"})
        assert (await receive(theirs))["id"] == "theirs"
        assert (await receive(mine))["id"] == "mine"


async def test_a_slow_subscriber_loses_its_oldest_messages_and_blocks_nobody(
    broker: Broker, channel: str
) -> None:
    count = QUEUE_SIZE * 3
    async with broker.subscribe(channel) as slow, broker.subscribe(channel) as fast:
        consumer = asyncio.create_task(ids_until(fast, count - 1))
        for number in range(count):
            await asyncio.wait_for(broker.publish(channel, {"id": number}), TIMEOUT)
        # Once the consumer has the last message, every local queue has been offered all.
        await asyncio.wait_for(consumer, TIMEOUT)
        kept = [(await receive(slow))["id"] for _ in range(QUEUE_SIZE)]
        assert kept == list(range(count - QUEUE_SIZE, count))
        await broker.publish(channel, {"id": "next"})
        assert (await receive(slow))["id"] == "next"


async def test_a_message_that_is_not_json_is_refused(broker: Broker, channel: str) -> None:
    with pytest.raises(TypeError):
        await broker.publish(channel, {"id": 1, "when": object()})


async def test_close_ends_every_subscription(broker: Broker, channel: str) -> None:
    async with broker.subscribe(channel) as messages:
        await broker.close()
        with pytest.raises(StopAsyncIteration):
            await receive(messages)


async def test_ping(broker: Broker) -> None:
    assert await broker.ping()


async def test_create_broker_picks_the_implementation_from_the_url() -> None:
    assert isinstance(create_broker(None), MemoryBroker)
    redis_broker = create_broker(REDIS_URL)
    assert isinstance(redis_broker, RedisBroker)
    await redis_broker.close()


# --- Redis only -----------------------------------------------------------------------


async def subscriber_count(admin: Redis, channel: str) -> int:
    [(_, count)] = await admin.pubsub_numsub(channel)
    return int(count)


async def pubsub_client_ids(admin: Redis, name: str) -> list[str]:
    return [
        client["id"] for client in await admin.client_list(_type="pubsub") if client["name"] == name
    ]


async def test_one_redis_subscription_serves_every_local_subscriber(
    redis_admin: Redis, channel: str
) -> None:
    async with running(RedisBroker(REDIS_URL)) as broker:
        async with AsyncExitStack() as stack:
            for _ in range(50):
                await stack.enter_async_context(broker.subscribe(channel))
            assert await subscriber_count(redis_admin, channel) == 1
        # The last local subscriber leaving unsubscribes the process, asynchronously.
        for _ in range(int(TIMEOUT / 0.01)):
            if await subscriber_count(redis_admin, channel) == 0:
                break
            await asyncio.sleep(0.01)
        assert await subscriber_count(redis_admin, channel) == 0


async def test_an_unreachable_redis_never_raises(channel: str) -> None:
    async with asyncio.timeout(TIMEOUT), running(RedisBroker(UNREACHABLE_URL)) as broker:
        await broker.publish(channel, {"id": 1})
        assert not await broker.ping()
        async with broker.subscribe(channel):
            await broker.publish(channel, {"id": 2})


async def publish_until_received(broker: Broker, channel: str, messages: Messages) -> None:
    """Delivery is at-most-once: messages sent before the reader resubscribed are gone."""
    for probe in range(10_000):
        await broker.publish(channel, {"id": probe})
        try:
            await receive(messages, within=0.05)
            return
        except TimeoutError:
            continue


async def test_delivery_resumes_after_the_subscriber_connection_is_killed(
    redis_admin: Redis, channel: str
) -> None:
    name = f"hindsight-test-{uuid.uuid4().hex[:8]}"
    async with (
        running(RedisBroker(REDIS_URL, client_name=name)) as broker,
        broker.subscribe(channel) as messages,
    ):
        [before] = await pubsub_client_ids(redis_admin, name)
        # Only this broker's connection: other suites may share the Redis server.
        assert await redis_admin.client_kill_filter(_id=before, _type="pubsub") == 1
        await asyncio.wait_for(publish_until_received(broker, channel, messages), TIMEOUT)
        [after] = await pubsub_client_ids(redis_admin, name)
        assert after != before
        assert await subscriber_count(redis_admin, channel) == 1


async def test_a_subscriber_is_served_after_the_idle_connection_was_killed(
    redis_admin: Redis, channel: str
) -> None:
    name = f"hindsight-test-{uuid.uuid4().hex[:8]}"
    async with running(RedisBroker(REDIS_URL, client_name=name)) as broker:
        async with broker.subscribe(channel):
            [before] = await pubsub_client_ids(redis_admin, name)
        # Unsubscribed from everything, the connection no longer counts as TYPE pubsub.
        assert await redis_admin.client_kill_filter(_id=before) == 1
        async with broker.subscribe(channel) as messages:
            await asyncio.wait_for(publish_until_received(broker, channel, messages), TIMEOUT)
            assert await pubsub_client_ids(redis_admin, name) not in ([], [before])
