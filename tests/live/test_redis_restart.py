"""Redis going away mid-stream: writes keep succeeding, the server stays up, and both
kinds of subscription resume once Redis is back (delivery is at-most-once meanwhile)."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from hindsight.app import create_app
from hindsight.auth import issue_token
from hindsight.db import migrate
from hindsight.domain.enums import Role
from hindsight.settings import Settings
from tests.api import documents
from tests.api.factories import outcome_input
from tests.conftest import SECRET
from tests.live.client import GraphQLSocket, serve
from tests.live.processes import RedisServer, redis_server
from tests.live.test_dashboard_updates import UPDATES
from tests.live.test_outcome_events import EVENTS

TENANT = uuid.uuid4()
ADMIN = issue_token(SECRET, tenant=TENANT, role=Role.ADMIN, sub="admin")
AGENT = issue_token(SECRET, tenant=TENANT, role=Role.AGENT, sub="agent")


class Agent:
    """Records outcomes over HTTP and counts them."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http, self.recorded = http, 0

    async def record(self) -> str:
        body = {"query": documents.RECORD, "variables": {"input": outcome_input(repId="rep-a")}}
        headers = {"authorization": f"Bearer {AGENT}"}
        response = await self.http.post("/graphql", json=body, headers=headers)
        result: dict[str, Any] = response.json()["data"]["recordOutcome"]
        assert result["__typename"] == "Outcome", result
        self.recorded += 1
        return str(result["id"])

    async def until_received(self, ws: GraphQLSocket) -> None:
        """Record until one of these records' events arrives (the broker reconnects with
        back-off, and on a busy machine an event may come after the next record); bounded."""
        sent: set[str] = set()
        for _ in range(60):
            sent.add(await self.record())
            try:
                event = (await ws.next("events", within=0.5))["outcomeEvents"]
            except TimeoutError:
                continue
            assert event["outcome"]["id"] in sent
            return
        raise AssertionError("no event after Redis came back")


async def test_writes_survive_and_subscriptions_resume(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'hindsight.db'}"
    await asyncio.to_thread(migrate.upgrade, database)
    async with redis_server() as redis:
        settings = Settings(
            database_url=database, redis_url=redis.url(), jwt_secret=SECRET, run_scheduler=False
        )
        async with serve(create_app(settings), lifespan="on") as url:
            http_url = url.replace("ws://", "http://").removesuffix("/graphql")
            async with httpx.AsyncClient(base_url=http_url, timeout=10) as http:
                await outage(redis, Agent(http), url)


async def outage(redis: RedisServer, agent: Agent, url: str) -> None:
    async with GraphQLSocket.open(url, ADMIN) as ws:
        await ws.subscribe("events", EVENTS)
        await ws.subscribe("board", UPDATES, {"scope": {"repId": "rep-a"}})
        assert (await ws.next("board"))["dashboardUpdates"]["rep"]["metrics"]["actions"] == 0
        await agent.until_received(ws)
        redis.stop()
        for _ in range(3):  # the database is the source of truth; events are best effort
            await agent.record()
        assert (await agent.http.get("/healthz")).status_code == 200
        ready = await agent.http.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["redis"].startswith("cannot reach Redis at 127.0.0.1:")
        await redis.start()
        await agent.until_received(ws)
        assert (await agent.http.get("/readyz")).status_code == 200
        await caught_up(ws, agent.recorded)


async def caught_up(ws: GraphQLSocket, recorded: int) -> None:
    """The dashboard shows every write, lost events or not, then stays quiet."""
    for _ in range(recorded):
        update = (await ws.next("board"))["dashboardUpdates"]
        if update["rep"]["metrics"]["actions"] == recorded:
            break
    else:
        raise AssertionError(f"the dashboard never reached {recorded} actions")
    with pytest.raises(TimeoutError):
        await ws.next("board", within=0.3)
