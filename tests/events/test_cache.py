"""The cache contract, run against MemoryCache and RedisCache; then what only one of them
has: the memory bound, Redis counters without TTL, and degrading while Redis is away."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from redis.asyncio import Redis

from hindsight.events.cache import Cache, MemoryCache, create_cache
from hindsight.events.redis_cache import RedisCache
from tests.live.client import eventually
from tests.services import REDIS_URL

UNREACHABLE_URL = "redis://127.0.0.1:1/0"


def new_key() -> str:
    return f"test:{uuid.uuid4().hex}"


async def test_a_missing_key_is_none(cache: Cache) -> None:
    assert await cache.get(new_key()) is None


async def test_a_value_comes_back_as_a_json_copy(cache: Cache) -> None:
    key = new_key()
    value: dict[str, Any] = {"rates": [0.5, None, 1], "scope": {"rep": "r1"}, "pair": (1, 2)}
    await cache.set(key, value, ttl_seconds=60)
    value["scope"]["rep"] = "changed after set"
    assert await cache.get(key) == {"rates": [0.5, None, 1], "scope": {"rep": "r1"}, "pair": [1, 2]}


async def test_set_overwrites(cache: Cache) -> None:
    key = new_key()
    await cache.set(key, "first", ttl_seconds=60)
    await cache.set(key, "second", ttl_seconds=60)
    assert await cache.get(key) == "second"


async def test_an_entry_expires_after_its_ttl(cache: Cache) -> None:
    key = new_key()
    await cache.set(key, "soon gone", ttl_seconds=0.2)
    assert await cache.get(key) == "soon gone"

    async def gone() -> bool:
        return await cache.get(key) is None

    await eventually(gone, within=10)


@pytest.mark.parametrize("ttl", [0, -1.0])
async def test_a_ttl_must_be_positive(cache: Cache, ttl: float) -> None:
    with pytest.raises(ValueError):
        await cache.set(new_key(), "x", ttl_seconds=ttl)


async def test_incr_counts_from_one_per_key(cache: Cache) -> None:
    key, other = new_key(), new_key()
    assert [await cache.incr(key) for _ in range(3)] == [1, 2, 3]
    assert await cache.incr(other) == 1
    assert await cache.get(key) == 3


async def test_ping(cache: Cache) -> None:
    assert await cache.ping()


async def test_create_cache_picks_the_implementation_from_the_url() -> None:
    assert isinstance(create_cache(None), MemoryCache)
    redis_cache = create_cache(REDIS_URL)
    assert isinstance(redis_cache, RedisCache)
    await redis_cache.close()


async def test_memory_cache_evicts_the_least_recently_used_but_never_a_counter() -> None:
    cache = MemoryCache(max_entries=2)
    assert await cache.incr("version") == 1
    await cache.set("a", 1, ttl_seconds=60)
    await cache.set("b", 2, ttl_seconds=60)
    assert await cache.get("a") == 1  # now "b" is the least recently used
    await cache.set("c", 3, ttl_seconds=60)
    assert [await cache.get(key) for key in ("a", "b", "c")] == [1, None, 3]
    assert await cache.incr("version") == 2


async def test_redis_counters_have_no_ttl(redis_admin: Redis) -> None:
    cache, key = RedisCache(REDIS_URL), new_key()
    try:
        await cache.incr(key)
        assert await redis_admin.ttl(key) == -1
    finally:
        await cache.close()


async def test_an_unreachable_redis_degrades_the_cache_instead_of_raising() -> None:
    cache, key = RedisCache(UNREACHABLE_URL), new_key()
    try:
        await cache.set(key, "lost", ttl_seconds=60)
        assert await cache.get(key) is None
        first, second = await cache.incr(key), await cache.incr(key)
        # Time-based stand-ins: unlike any real version, so version-keyed entries miss.
        assert first > 1_000_000 and second != first
        assert not await cache.ping()
    finally:
        await cache.close()
