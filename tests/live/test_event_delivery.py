"""Nothing committed is lost (docs/concepts/events.md), on two API replicas over one
PostgreSQL and a Redis of our own: subscribers on replica #1 keep their last cursor; replica
#1 is killed (SIGKILL) while writes go on through replica #2; they resume on replica #2 with
that cursor; Redis then goes away and comes back while they stay connected. Each subscriber
counts the events it expected and the ones it got: none missing, none twice (after dedup by
id, and in this run none twice at all)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest_asyncio

from hindsight.auth import issue_token
from hindsight.domain.enums import Role
from tests.api import documents
from tests.api.factories import outcome_input
from tests.conftest import SECRET, create_postgres_database, drop_postgres_database
from tests.live.client import GraphQLSocket
from tests.live.processes import RedisServer, free_port, hindsight, redis_server, wait_healthy

TENANT = uuid.uuid4()
WAIT = 30.0  # generous: two replicas may share a busy machine
RESUMABLE = """subscription($after: String) {
  outcomeEvents(after: $after) { id cursor outcome { id } } }"""
SUBSCRIBERS = 3
PER_PHASE = 5


def token(role: Role, sub: str) -> str:
    return issue_token(SECRET, tenant=TENANT, role=role, sub=sub)


@dataclass
class Subscriber:
    """A client that remembers its last cursor and every event id it was handed."""

    name: str
    received: list[str] = field(default_factory=list)  # outcome ids, in arrival order
    event_ids: list[str] = field(default_factory=list)
    cursor: str | None = None
    ws: GraphQLSocket | None = None

    async def subscribe(self, ws: GraphQLSocket) -> None:
        self.ws = ws
        await ws.subscribe("1", RESUMABLE, {"after": self.cursor})

    async def until_has(self, expected: list[str]) -> None:
        assert self.ws is not None
        while not set(expected) <= set(self.received):
            event = (await self.ws.next("1", within=WAIT))["outcomeEvents"]
            self.received.append(event["outcome"]["id"])
            self.event_ids.append(event["id"])
            self.cursor = event["cursor"]

    def count(self, expected: list[str]) -> tuple[int, int, int]:
        """(expected, missing, duplicates after dedup by event id)."""
        missing = len(set(expected) - set(self.received))
        deduplicated = list(dict.fromkeys(self.event_ids))
        return len(expected), missing, len(deduplicated) - len(set(deduplicated))


@pytest_asyncio.fixture
async def environment() -> AsyncIterator[tuple[dict[str, str], RedisServer]]:
    database = await create_postgres_database()
    try:
        async with redis_server() as redis:
            env = {
                "HINDSIGHT_DATABASE_URL": database,
                "HINDSIGHT_REDIS_URL": redis.url(),
                "HINDSIGHT_JWT_SECRET": SECRET,
                "HINDSIGHT_LOG_LEVEL": "WARNING",
            }
            yield env, redis
    finally:
        await drop_postgres_database(database)


async def write(http: httpx.AsyncClient, count: int, recorded: list[str]) -> None:
    headers = {"authorization": f"Bearer {token(Role.AGENT, 'agent')}"}
    for _ in range(count):
        body = {"query": documents.RECORD, "variables": {"input": outcome_input()}}
        result = (await http.post("/graphql", json=body, headers=headers)).json()
        recorded.append(result["data"]["recordOutcome"]["id"])


async def test_kill_9_and_a_redis_outage_lose_nothing(
    environment: tuple[dict[str, str], RedisServer],
) -> None:
    env, redis = environment
    ports = [free_port(), free_port()]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    subscribers = [Subscriber(f"admin-{n}") for n in range(SUBSCRIBERS)]
    recorded: list[str] = []
    with (
        hindsight("serve", "--port", str(ports[0]), env=env) as first,
        hindsight("serve", "--port", str(ports[1]), env=env) as second,
    ):
        await asyncio.gather(wait_healthy(urls[0], first), wait_healthy(urls[1], second))
        async with httpx.AsyncClient(base_url=urls[1], timeout=WAIT) as http:
            async with contextlib.AsyncExitStack() as sockets:
                await opened(sockets, urls[0], subscribers)
                await on_the_first_replica(urls[0], subscribers, http, recorded)
                first.process.kill()  # SIGKILL: no goodbye to anyone
                await first.finished()
            await write(http, PER_PHASE, recorded)  # nobody is listening
            await on_the_second_replica(urls[1], subscribers, http, recorded, redis)
    for subscriber in subscribers:
        counted = subscriber.count(recorded)
        print(
            f"{subscriber.name}: expected {counted[0]}, missing {counted[1]}, "
            f"duplicates after dedup {counted[2]}, received {len(subscriber.received)}"
        )
        assert counted == (len(recorded), 0, 0)
        assert subscriber.received == recorded  # one writer: commit order is write order


async def on_the_first_replica(
    url: str, subscribers: list[Subscriber], http: httpx.AsyncClient, recorded: list[str]
) -> None:
    """Subscribe on replica #1 (a first write proves they are live), then more writes, of
    which each has seen some when the replica dies."""
    await write(http, 1, recorded)
    await asyncio.gather(*(s.until_has(recorded) for s in subscribers))
    await write(http, PER_PHASE, recorded)
    await asyncio.gather(*(s.until_has(recorded[:3]) for s in subscribers))


async def on_the_second_replica(
    url: str,
    subscribers: list[Subscriber],
    http: httpx.AsyncClient,
    recorded: list[str],
    redis: RedisServer,
) -> None:
    async with contextlib.AsyncExitStack() as stack:
        await opened(stack, url, subscribers)  # each with the last cursor it had
        await asyncio.gather(*(s.until_has(recorded) for s in subscribers))
        redis.stop()
        await write(http, PER_PHASE, recorded)
        await asyncio.gather(*(s.until_has(recorded) for s in subscribers))
        await redis.start()
        await write(http, PER_PHASE, recorded)
        await asyncio.gather(*(s.until_has(recorded) for s in subscribers))


async def opened(stack: contextlib.AsyncExitStack, url: str, subscribers: list[Subscriber]) -> None:
    ws_url = url.replace("http://", "ws://") + "/graphql"
    for subscriber in subscribers:
        ws = await stack.enter_async_context(
            GraphQLSocket.open(ws_url, token(Role.ADMIN, subscriber.name))
        )
        await subscriber.subscribe(ws)
