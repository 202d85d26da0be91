"""Publish → receive latency of live events, beside raw redis-py pub/sub in the same run.

    python bench/bench_live.py [--messages 200] [--redis redis://127.0.0.1:6379/15]

Paths, for 100 and 1,000 subscribers:
- raw redis-py: one PubSub connection per subscriber (what a Redis connection per
  WebSocket would cost) — the baseline;
- RedisBroker: the app's production path, one Redis connection per process fanned out
  in-process to every local subscriber;
- MemoryBroker: the embedded path, no Redis;
- WebSocket (100): ``outcomeEvents`` end to end — Redis, fan-out, the per-event re-read of
  the outcome (SQLite), Strawberry, uvicorn, 100 graphql-transport-ws clients. Clients and
  server share this process and its event loop, so their CPU time is in the numbers.

Each message carries its send time (``perf_counter_ns``); the next one is published once
every subscriber has the previous one, so these are latencies, not queueing under load.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from redis.asyncio import Redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.api import documents
from tests.api.factories import outcome_input
from tests.live.client import GraphQLSocket, serve
from tests.services import REDIS_URL

from hindsight.app import create_app
from hindsight.auth import issue_token
from hindsight.db import migrate
from hindsight.domain.enums import Role
from hindsight.events.broker import Broker, MemoryBroker
from hindsight.events.redis_broker import RedisBroker
from hindsight.services import channel
from hindsight.settings import Settings

WARMUP = 10
Publish = Callable[[int], Awaitable[None]]


class Latencies:
    """Receive times of one run; ``wait`` returns once every subscriber has a message."""

    def __init__(self) -> None:
        self.samples: list[int] = []
        self._pending = 0
        self._done = asyncio.Event()

    def expect(self, count: int) -> None:
        self._pending = count
        self._done.clear()

    def record(self, sent_ns: int) -> None:
        self.samples.append(time.perf_counter_ns() - sent_ns)
        self._pending -= 1
        if self._pending == 0:
            self._done.set()

    async def wait(self) -> None:
        await asyncio.wait_for(self._done.wait(), 30)


async def drive(publish: Publish, latencies: Latencies, subscribers: int, messages: int) -> None:
    for number in range(WARMUP + messages):
        if number == WARMUP:
            latencies.samples.clear()
        latencies.expect(subscribers)
        await publish(time.perf_counter_ns())
        await latencies.wait()


async def raw_redis(url: str, subscribers: int, messages: int) -> Latencies:
    name, latencies = f"bench:{uuid.uuid4().hex}", Latencies()
    clients = [Redis.from_url(url) for _ in range(subscribers)]
    publisher = Redis.from_url(url)

    async def listen(client: Redis) -> None:
        async with client.pubsub() as pubsub:
            await pubsub.subscribe(name)
            async for message in pubsub.listen():
                if message["type"] == "message":
                    latencies.record(json.loads(message["data"])["sent"])

    tasks = [asyncio.create_task(listen(c)) for c in clients]
    for _ in range(3000):  # until Redis counts every subscriber (bounded: 30 s)
        if (await publisher.pubsub_numsub(name))[0][1] >= subscribers:
            break
        await asyncio.sleep(0.01)

    async def publish(sent: int) -> None:
        await publisher.publish(name, json.dumps({"id": sent, "sent": sent}))

    try:
        await drive(publish, latencies, subscribers, messages)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for client in [*clients, publisher]:
            await client.aclose()
    return latencies


async def through_broker(broker: Broker, subscribers: int, messages: int) -> Latencies:
    name, latencies = f"bench:{uuid.uuid4().hex}", Latencies()

    async def listen(stream: AsyncIterator[dict[str, Any]]) -> None:
        async for message in stream:
            latencies.record(message["sent"])

    async def publish(sent: int) -> None:
        await broker.publish(name, {"id": sent, "sent": sent})

    await broker.start()
    async with contextlib.AsyncExitStack() as stack:
        streams = [
            await stack.enter_async_context(broker.subscribe(name)) for _ in range(subscribers)
        ]
        tasks = [asyncio.create_task(listen(s)) for s in streams]
        await drive(publish, latencies, subscribers, messages)
        for task in tasks:
            task.cancel()
    await broker.close()
    return latencies


EVENTS = "subscription { outcomeEvents { id } }"


async def through_websockets(redis_url: str, subscribers: int, messages: int) -> Latencies:
    tenant, latencies = uuid.uuid4(), Latencies()
    token = issue_token("bench-" + "x" * 32, tenant=tenant, role=Role.ADMIN, sub="admin")
    with tempfile.TemporaryDirectory() as folder:
        database = f"sqlite+aiosqlite:///{folder}/hindsight.db"
        await asyncio.to_thread(migrate.upgrade, database)
        settings = Settings(
            database_url=database,
            redis_url=redis_url,
            jwt_secret="bench-" + "x" * 32,
            run_scheduler=False,
            max_subscriptions_per_connection=1,
        )
        app = create_app(settings)
        async with serve(app, lifespan="on") as url:
            outcome_id = await record_one(url, token)

            async def publish(sent: int) -> None:
                event = {
                    "id": str(sent),
                    "kind": "RECORDED",
                    "outcomeId": outcome_id,
                    "status": "PENDING",
                    "repId": None,
                    "teamId": None,
                }
                await app.state.services.broker.publish(channel(tenant, "outcomes"), event)

            await run_clients(url, token, latencies, publish, subscribers, messages)
    return latencies


async def record_one(url: str, token: str) -> str:
    base = url.replace("ws://", "http://").removesuffix("/graphql")
    async with httpx.AsyncClient(base_url=base) as http:
        body = {"query": documents.RECORD, "variables": {"input": outcome_input()}}
        response = await http.post(
            "/graphql", json=body, headers={"authorization": f"Bearer {token}"}
        )
    return str(response.json()["data"]["recordOutcome"]["id"])


async def run_clients(
    url: str, token: str, latencies: Latencies, publish: Publish, subscribers: int, messages: int
) -> None:
    async def listen(ws: GraphQLSocket) -> None:
        while True:
            latencies.record(int((await ws.next("1", within=60))["outcomeEvents"]["id"]))

    async with contextlib.AsyncExitStack() as stack:
        sockets = [
            await stack.enter_async_context(GraphQLSocket.open(url, token))
            for _ in range(subscribers)
        ]
        for ws in sockets:
            await ws.subscribe("1", EVENTS)
        await asyncio.sleep(0.5)  # every subscription has reached the broker
        tasks = [asyncio.create_task(listen(ws)) for ws in sockets]
        await drive(publish, latencies, subscribers, messages)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def percentiles(samples: list[int]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] / 1e6, cuts[98] / 1e6


async def main(messages: int, redis_url: str) -> None:
    print(f"publish → receive latency; {messages} messages after {WARMUP} warm-up; same run")
    print(f"{'path':<40}{'subscribers':>12}{'p50 ms':>9}{'p99 ms':>9}{'p50 vs raw':>12}")
    for subscribers in (100, 1000):
        runs = [
            ("raw redis-py, a connection each", raw_redis(redis_url, subscribers, messages)),
            (
                "RedisBroker, one connection, fan-out",
                through_broker(RedisBroker(redis_url), subscribers, messages),
            ),
            ("MemoryBroker (embedded)", through_broker(MemoryBroker(), subscribers, messages)),
        ]
        if subscribers == 100:
            runs.append(
                (
                    "WebSocket outcomeEvents, end to end",
                    through_websockets(redis_url, subscribers, messages),
                )
            )
        baseline = None
        for label, run in runs:
            p50, p99 = percentiles((await run).samples)
            baseline = baseline or p50
            print(f"{label:<40}{subscribers:>12,}{p50:>9.3f}{p99:>9.3f}{p50 / baseline:>12.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--redis", default=REDIS_URL)
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.redis))
