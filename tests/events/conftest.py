"""Every broker and cache contract test runs against the in-process and the Redis
implementation, through one parametrised fixture each."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from redis.asyncio import Redis

from hindsight.events.broker import Broker, MemoryBroker
from hindsight.events.cache import Cache, MemoryCache
from hindsight.events.redis_broker import RedisBroker
from hindsight.events.redis_cache import RedisCache
from tests.services import REDIS_URL, need

# Small, so the slow-subscriber test overflows it with few messages.
QUEUE_SIZE = 32


def need_redis() -> None:
    """Skip (or fail) unless Redis answers. Nothing is ever flushed: every key and channel a
    test touches carries a fresh UUID, so other software and concurrent runs on the same
    Redis database are left alone (and cannot disturb these tests)."""
    need("Redis", REDIS_URL)


@pytest_asyncio.fixture
async def redis_admin() -> AsyncIterator[Redis]:
    """A plain client on the test database, for looking at Redis from outside."""
    need_redis()
    client = Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        yield client
    finally:
        await client.aclose()


@pytest_asyncio.fixture(params=["memory", "redis"])
async def broker(request: pytest.FixtureRequest) -> AsyncIterator[Broker]:
    if request.param == "redis":
        need_redis()
        # A unique client name lets a test find (and kill) exactly this broker's connection.
        name = f"hindsight-test-{uuid.uuid4().hex[:8]}"
        implementation: Broker = RedisBroker(REDIS_URL, queue_size=QUEUE_SIZE, client_name=name)
    else:
        implementation = MemoryBroker(queue_size=QUEUE_SIZE)
    await implementation.start()
    try:
        yield implementation
    finally:
        await implementation.close()


@pytest_asyncio.fixture(params=["memory", "redis"])
async def cache(request: pytest.FixtureRequest) -> AsyncIterator[Cache]:
    if request.param == "redis":
        need_redis()
        implementation: Cache = RedisCache(REDIS_URL)
    else:
        implementation = MemoryCache()
    try:
        yield implementation
    finally:
        await implementation.close()


@pytest.fixture
def channel() -> str:
    """A channel no other test (or concurrent run on the shared Redis) uses."""
    return f"test:{uuid.uuid4().hex}:events"
