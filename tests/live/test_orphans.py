"""Clients that leave at once — closing right after subscribing, or sending a subscription id
twice (4409) — leave none of their tenant's Redis channels subscribed.

Against ``hindsight serve`` itself (uvloop and uvicorn's default WebSocket stack, as in
production): the lost cancellation this guards against showed there, not in-process."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest_asyncio
from redis.asyncio import Redis

from hindsight.auth import issue_token
from hindsight.domain.enums import Role
from tests.conftest import SECRET, create_postgres_database, drop_postgres_database
from tests.live.client import GraphQLSocket, eventually
from tests.live.processes import free_port, hindsight, redis_server, wait_healthy

EVENTS = "subscription { outcomeEvents { id } }"
ROUNDS = 30
TENANT = uuid.uuid4()
TOKEN = issue_token(SECRET, tenant=TENANT, role=Role.ADMIN, sub="admin")


@pytest_asyncio.fixture
async def server() -> AsyncIterator[tuple[str, str]]:
    """``hindsight serve`` on a fresh PostgreSQL database and a Redis of our own;
    yields (WebSocket URL, Redis URL)."""
    database = await create_postgres_database()
    try:
        async with redis_server() as redis:
            env = {
                "HINDSIGHT_DATABASE_URL": database,
                "HINDSIGHT_REDIS_URL": redis.url(),
                "HINDSIGHT_JWT_SECRET": SECRET,
                "HINDSIGHT_LOG_LEVEL": "WARNING",
            }
            port = free_port()
            with hindsight("serve", "--port", str(port), env=env) as child:
                await wait_healthy(f"http://127.0.0.1:{port}", child)
                yield f"ws://127.0.0.1:{port}/graphql", redis.url()
    finally:
        await drop_postgres_database(database)


async def no_channel_left(redis_url: str) -> None:
    client = Redis.from_url(redis_url, decode_responses=True)

    async def none() -> bool:
        return await client.pubsub_channels(f"hindsight:{TENANT}:*") == []

    try:
        await eventually(none, within=20, step=0.05)
    finally:
        await client.aclose()


async def round_trips(ws: GraphQLSocket, count: int) -> None:
    """Let the server get ``count`` messages further (a ping answered each time)."""
    for _ in range(count):
        await ws.send({"type": "ping"})
        assert (await ws.receive())["type"] == "pong"


async def test_closing_at_once_leaves_no_channel(server: tuple[str, str]) -> None:
    url, redis_url = server
    for number in range(ROUNDS):
        async with GraphQLSocket.open(url, TOKEN) as ws:
            await ws.subscribe("1", EVENTS)
            await round_trips(ws, number % 3)  # close at slightly different moments
    await no_channel_left(redis_url)


async def test_a_duplicate_subscription_id_leaves_no_channel(server: tuple[str, str]) -> None:
    url, redis_url = server
    for _ in range(ROUNDS):
        async with GraphQLSocket.open(url, TOKEN) as ws:
            await ws.subscribe("1", EVENTS)
            await ws.subscribe("1", EVENTS)
            await ws.ws.wait_closed()
            assert ws.ws.close_code == 4409
    await no_channel_left(redis_url)
