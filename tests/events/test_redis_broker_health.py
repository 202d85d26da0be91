"""A regression: redis-py health-checks (PING, then a read) inside ``subscribe()`` whenever
its PubSub has no channel. With the broker's reader blocked in its own read on the same
socket, that read failed, dropped the process's pub/sub connection and lost messages
published right after a subscription that the broker had reported as confirmed."""

from __future__ import annotations

from redis.asyncio import Redis

from hindsight.events.redis_broker import RedisBroker
from tests.events.test_broker import receive, running, subscriber_count
from tests.live.client import eventually
from tests.services import REDIS_URL


async def test_subscribing_while_a_health_check_is_due(redis_admin: Redis, channel: str) -> None:
    async with running(RedisBroker(REDIS_URL)) as broker:
        async with broker.subscribe(channel):
            pass  # every channel left: the connection stays, the reader keeps reading

        async def unsubscribed() -> bool:
            return await subscriber_count(redis_admin, channel) == 0

        await eventually(unsubscribed)
        connection = broker._pubsub.connection  # type: ignore[attr-defined]
        connection.next_health_check = -1  # a health check falls due right now
        async with broker.subscribe(f"{channel}:next") as messages:
            await broker.publish(f"{channel}:next", {"id": "after"})
            assert (await receive(messages))["id"] == "after"
