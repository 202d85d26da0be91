"""End to end: two API replicas and a worker on one PostgreSQL and one Redis. A client on
replica #2 sees an outcome recorded on replica #1 get resolved by the worker's window-end
job, as an event and as new dashboard numbers."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest_asyncio
from redis.asyncio import Redis

from hindsight.auth import issue_token
from hindsight.domain.enums import Role
from hindsight.services import channel
from tests.api import documents
from tests.api.factories import outcome_input
from tests.conftest import SECRET, create_postgres_database, drop_postgres_database
from tests.live.client import GraphQLSocket, eventually
from tests.live.processes import Child, free_port, hindsight, redis_server, wait_healthy
from tests.pooler import pgbouncer

TENANT = uuid.uuid4()
WAIT = 20.0  # generous: three processes may share a busy machine
EVENTS = """subscription { outcomeEvents(kinds: [RESOLVED]) {
  kind status outcome { id status resolutionReason } } }"""
BOARD = """subscription { dashboardUpdates(scope: {repId: "rep-e2e"}) {
  id rep { metrics { actions pending negative successRate } } } }"""


@contextlib.asynccontextmanager
async def own_services(database: str | None = None) -> AsyncIterator[dict[str, str]]:
    """A fresh migrated PostgreSQL database (or ``database``) and a Redis server of our own,
    as the ``HINDSIGHT_*`` variables of the processes under test."""
    created = None if database else await create_postgres_database()
    url = database or created
    assert url is not None
    try:
        async with redis_server() as redis:
            yield {
                "HINDSIGHT_DATABASE_URL": url,
                "HINDSIGHT_REDIS_URL": redis.url(),
                "HINDSIGHT_JWT_SECRET": SECRET,
                "HINDSIGHT_LOG_LEVEL": "WARNING",
            }
    finally:
        if created:
            await drop_postgres_database(created)


@pytest_asyncio.fixture
async def environment() -> AsyncIterator[dict[str, str]]:
    async with own_services() as env:
        yield env


@contextlib.contextmanager
def replicas(env: dict[str, str], count: int) -> Iterator[list[tuple[str, Child]]]:
    with contextlib.ExitStack() as stack:
        started = []
        for _ in range(count):
            port = str(free_port())
            child = stack.enter_context(hindsight("serve", "--port", port, env=env))
            started.append((f"http://127.0.0.1:{port}", child))
        yield started


async def subscribed(redis_url: str) -> bool:
    """Replica #2 subscribes the tenant's outcomes channel (for both subscriptions, once)."""
    client = Redis.from_url(redis_url)
    try:
        [(_, count)] = await client.pubsub_numsub(channel(TENANT, "outcomes"))
        return int(count) == 1
    finally:
        await client.aclose()


async def status_of(base_url: str, outcome_id: str) -> str:
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        response = await http.post(
            "/graphql",
            json={"query": documents.OUTCOME, "variables": {"id": outcome_id}},
            headers={"authorization": f"Bearer {token(Role.ADMIN)}"},
        )
    return str(response.json()["data"]["outcome"]["status"])


def token(role: Role) -> str:
    return issue_token(SECRET, tenant=TENANT, role=role, sub=role.value.lower())


async def record_late(base_url: str) -> str:
    """An IMMEDIATE_RESPONSE two days old: its 24 h window has ended, nobody replied."""
    occurred = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).isoformat()
    data = outcome_input(repId="rep-e2e", occurredAt=occurred)
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        response = await http.post(
            "/graphql",
            json={"query": documents.RECORD, "variables": {"input": data}},
            headers={"authorization": f"Bearer {token(Role.AGENT)}"},
        )
    result: dict[str, Any] = response.json()["data"]["recordOutcome"]
    assert result["status"] == "PENDING", result
    return str(result["id"])


async def test_resolved_by_the_worker_seen_on_the_other_replica(
    environment: dict[str, str],
) -> None:
    await resolved_by_the_worker_seen_on_the_other_replica(environment)


async def test_the_same_behind_pgbouncer_in_transaction_mode(
    environment: dict[str, str],
) -> None:
    """Two replicas and a worker share one PgBouncer (transaction pooling) in front of
    PostgreSQL; migrations ran directly against PostgreSQL, as the owner."""
    async with pgbouncer() as pooler:
        pooled = {
            **environment,
            "HINDSIGHT_DATABASE_URL": pooler.url(environment["HINDSIGHT_DATABASE_URL"]),
            "HINDSIGHT_DATABASE_POOLER": "transaction",
        }
        await resolved_by_the_worker_seen_on_the_other_replica(pooled)


async def resolved_by_the_worker_seen_on_the_other_replica(environment: dict[str, str]) -> None:
    with replicas(environment, 2) as [(first, api_1), (second, api_2)]:
        await wait_healthy(first, api_1)
        await wait_healthy(second, api_2)
        url = second.replace("http://", "ws://") + "/graphql"
        async with GraphQLSocket.open(url, token(Role.ADMIN)) as ws:
            await ws.subscribe("events", EVENTS)
            await ws.subscribe("board", BOARD)
            before = (await ws.next("board", WAIT))["dashboardUpdates"]["rep"]["metrics"]
            assert before == {"actions": 0, "pending": 0, "negative": 0, "successRate": None}
            # Pub/sub is at-most-once: publish only once replica #2 listens for this tenant.
            await eventually(lambda: subscribed(environment["HINDSIGHT_REDIS_URL"]), WAIT)
            outcome_id = await record_late(first)
            recorded = (await ws.next("board", WAIT))["dashboardUpdates"]["rep"]["metrics"]
            assert (recorded["actions"], recorded["pending"]) == (1, 1)
            worker_env = {**environment, "HINDSIGHT_LOG_LEVEL": "INFO"}
            with hindsight("worker", "--burst", env=worker_env) as worker:
                assert await worker.finished() == 0, worker.text()
                log = worker.text()
            assert await status_of(first, outcome_id) == "NEGATIVE", log
            event = (await ws.next("events", WAIT))["outcomeEvents"]
            assert event["outcome"]["id"] == outcome_id
            assert (event["kind"], event["status"]) == ("RESOLVED", "NEGATIVE")
            after = (await ws.next("board", WAIT))["dashboardUpdates"]["rep"]["metrics"]
            assert after == {"actions": 1, "pending": 0, "negative": 1, "successRate": 0.0}
