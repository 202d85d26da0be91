"""200 WebSocket subscribers on one process: each event reaches each exactly once, the
process holds one Redis subscription for them all, and subscribers who see alike share one
read, one execution and one serialised frame of each event (``live.groups``)."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from redis.asyncio import Redis

from hindsight.domain import events
from hindsight.domain.enums import Role
from hindsight.live.groups import groups_for
from hindsight.live.shared_reads import reads_for
from hindsight.services import channel
from tests.api.factories import record
from tests.conftest import Tenant
from tests.live.client import GraphQLSocket, eventually
from tests.services import REDIS_URL

SUBSCRIBERS = 200
ROLES = (Role.ADMIN, Role.AGENT)
EVENTS = "subscription { outcomeEvents(kinds: [RECORDED]) { id outcome { id } } }"


async def redis_subscribers(name: str) -> int:
    client = Redis.from_url(REDIS_URL)
    try:
        [(_, count)] = await client.pubsub_numsub(name)
        return int(count)
    finally:
        await client.aclose()


async def registered(tenant: Tenant, count: int) -> None:
    """Wait until ``count`` subscriptions of the tenant have joined their groups and Redis
    has confirmed the process's subscription.

    graphql-transport-ws does not acknowledge a subscription, so the test looks inside.
    """
    groups = groups_for(tenant.api.services.broker)
    name = channel(tenant.id, events.OUTCOMES)

    async def joined() -> bool:
        mine = [g for key, g in groups.groups.items() if key[0][0] == tenant.id]
        members = sum(len(g.members) for g in mine)
        return members >= count and await redis_subscribers(name) == 1

    await eventually(joined)


# The Redis case is the one that matters here (the in-process broker's fan-out is covered by
# the broker contract tests), and 200 subscribers re-reading on SQLite would only add time.
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_every_subscriber_gets_every_event_exactly_once(live: str, tenant: Tenant) -> None:
    async with contextlib.AsyncExitStack() as stack:

        async def subscriber(number: int) -> GraphQLSocket:
            # Two audiences: ADMINs (each their own subject) and AGENTs see alike among them.
            token = tenant.token(ROLES[number % 2], sub=f"user-{number}")
            ws = await stack.enter_async_context(GraphQLSocket.open(live, token))
            await ws.subscribe("1", EVENTS)
            return ws

        sockets = await asyncio.gather(*(subscriber(n) for n in range(SUBSCRIBERS)))
        name = channel(tenant.id, events.OUTCOMES)
        await registered(tenant, SUBSCRIBERS)
        reads = reads_for(tenant.api.services)
        reads_before = reads.reads
        groups = groups_for(tenant.api.services.broker)
        frames = groups.frames_serialised
        sent = [(await record(tenant))["id"] for _ in range(3)]

        async def received(ws: GraphQLSocket) -> list[str]:
            ids = [(await ws.next("1"))["outcomeEvents"]["outcome"]["id"] for _ in sent]
            with contextlib.suppress(TimeoutError):  # nothing more may come
                ids.append(str(await ws.message("1", within=0.05)))
            return ids

        assert await asyncio.gather(*(received(ws) for ws in sockets)) == [sent] * SUBSCRIBERS
        assert await redis_subscribers(name) == 1  # one Redis subscriber serves them all
        assert reads.reads - reads_before == len(sent)  # one read per event, not per subscriber
        # One execution and one serialised frame per event and audience, not per subscriber.
        assert groups.frames_serialised - frames == len(ROLES) * len(sent)
