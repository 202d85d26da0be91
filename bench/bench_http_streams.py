"""Event latency by transport: ``outcomeEvents`` over graphql-transport-ws, Apollo's multipart
protocol and graphql-sse, from one ``hindsight serve`` process (PostgreSQL + Redis).

    python bench/bench_http_streams.py [--subscribers 20] [--events 50]

Per transport: ``--subscribers`` clients subscribe, then ``--events`` outcomes are recorded one
after another; the latency of an event is the time from sending its recordOutcome to its
arrival at a subscriber (every subscriber counts). Prints the median and p95 per transport.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.api import documents
from tests.api.factories import outcome_input
from tests.conftest import SECRET, create_postgres_database, drop_postgres_database
from tests.live.client import GraphQLSocket
from tests.live.http_streams import multipart, sse
from tests.live.processes import free_port, hindsight, wait_healthy
from tests.services import REDIS_URL

from hindsight.auth import issue_token
from hindsight.domain.enums import Role

EVENTS = "subscription { outcomeEvents { eventId outcome { conversationId } } }"
TENANT = uuid.uuid4()


def token(role: Role) -> str:
    return issue_token(SECRET, tenant=TENANT, role=role, sub=role.value.lower())


@contextlib.asynccontextmanager
async def ws_stream(url: str) -> AsyncIterator[Callable[[], Any]]:
    async with GraphQLSocket.open(url.replace("http", "ws"), token(Role.ADMIN)) as ws:
        await ws.subscribe("1", EVENTS)
        yield lambda: ws.next("1", 60)


@contextlib.asynccontextmanager
async def http_stream(opener: Any, url: str) -> AsyncIterator[Callable[[], Any]]:
    async with opener(url, EVENTS, token=token(Role.ADMIN)) as stream:
        yield lambda: stream.next(60)


async def run(base: str, transport: str, subscribers: int, events: int) -> list[float]:
    url = f"{base}/graphql"
    open_one = {
        "graphql-transport-ws": lambda: ws_stream(url),
        "multipart": lambda: http_stream(multipart, url),
        "graphql-sse": lambda: http_stream(sse, url),
    }[transport]
    sent: dict[str, float] = {}
    latencies: list[float] = []
    async with contextlib.AsyncExitStack() as stack:
        nexts = [await stack.enter_async_context(open_one()) for _ in range(subscribers)]
        await asyncio.sleep(1.0)  # let every subscription reach the broker (no ack to wait on)

        async def receive(next_event: Callable[[], Any]) -> None:
            for _ in range(events):
                data = await next_event()
                conversation = data["outcomeEvents"]["outcome"]["conversationId"]
                latencies.append(time.perf_counter() - sent[conversation])

        readers = [asyncio.create_task(receive(n)) for n in nexts]
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            for i in range(events):
                conversation = f"{transport}-{i}"
                sent[conversation] = time.perf_counter()
                body = {"query": documents.RECORD, "variables": {"input": outcome_input(
                    conversationId=conversation)}}  # fmt: skip
                headers = {"authorization": f"Bearer {token(Role.AGENT)}"}
                (await http.post("/graphql", json=body, headers=headers)).raise_for_status()
        await asyncio.wait_for(asyncio.gather(*readers), 120)
    return latencies


async def main(subscribers: int, events: int) -> None:
    database = await create_postgres_database()
    env = {
        "HINDSIGHT_DATABASE_URL": database,
        "HINDSIGHT_REDIS_URL": REDIS_URL,
        "HINDSIGHT_JWT_SECRET": SECRET,
        "HINDSIGHT_LOG_LEVEL": "WARNING",
    }
    try:
        port = free_port()
        with hindsight("serve", "--port", str(port), env=env) as child:
            base = f"http://127.0.0.1:{port}"
            await wait_healthy(base, child)
            results = {}
            for transport in ("graphql-transport-ws", "multipart", "graphql-sse"):
                found = sorted(await run(base, transport, subscribers, events))
                results[transport] = {
                    "deliveries": len(found),
                    "median_ms": round(statistics.median(found) * 1000, 1),
                    "p95_ms": round(found[int(len(found) * 0.95) - 1] * 1000, 1),
                }
            print(json.dumps(results, indent=2))
    finally:
        await drop_postgres_database(database)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscribers", type=int, default=20)
    parser.add_argument("--events", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(main(args.subscribers, args.events))
