"""Redis going away mid-stream: writes keep succeeding, the server stays up, outcomeEvents
delivers every committed event on the same connection (the replica reads the outbox while
Redis cannot wake it), and dashboards resume once Redis is back."""

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
        self.ids: list[str] = []  # in the order their writes returned

    async def record(self) -> str:
        body = {"query": documents.RECORD, "variables": {"input": outcome_input(repId="rep-a")}}
        headers = {"authorization": f"Bearer {AGENT}"}
        response = await self.http.post("/graphql", json=body, headers=headers)
        result: dict[str, Any] = response.json()["data"]["recordOutcome"]
        assert result["__typename"] == "Outcome", result
        self.recorded += 1
        self.ids.append(str(result["id"]))
        return str(result["id"])

    async def until_the_board_moves(self, ws: GraphQLSocket) -> int:
        """Record until the dashboard changes (it follows Redis, which the broker rejoins
        with back-off: a write meanwhile changes it only at the next one); bounded."""
        for _ in range(60):
            await self.record()
            try:
                update = (await ws.next("board", within=0.5))["dashboardUpdates"]
            except TimeoutError:
                continue
            return int(update["rep"]["metrics"]["actions"])
        raise AssertionError("no dashboard update after Redis came back")

    async def received_every_event(self, ws: GraphQLSocket, seen: list[str]) -> None:
        """Read ``events`` until every recorded outcome has arrived; each arrives once."""
        while len(seen) < len(self.ids):
            seen.append((await ws.next("events", within=30))["outcomeEvents"]["outcome"]["id"])
        assert seen == self.ids  # one writer: commit order is the order its writes returned


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
        seen: list[str] = []
        await agent.record()
        await agent.received_every_event(ws, seen)
        await caught_up(ws, 1, 0)
        redis.stop()
        for _ in range(3):  # the database is the source of truth, and the outbox in it
            await agent.record()
        assert (await agent.http.get("/healthz")).status_code == 200
        ready = await agent.http.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["redis"].startswith("cannot reach Redis at 127.0.0.1:")
        await agent.received_every_event(ws, seen)  # Redis still down: read from the outbox
        await redis.start()
        shown = await agent.until_the_board_moves(ws)
        await agent.received_every_event(ws, seen)
        assert (await agent.http.get("/readyz")).status_code == 200
        await caught_up(ws, agent.recorded, shown)


async def caught_up(ws: GraphQLSocket, recorded: int, shown: int) -> None:
    """The dashboard shows every write, lost events or not, then stays quiet."""
    for _ in range(recorded + 1):
        if shown == recorded:
            break
        shown = (await ws.next("board"))["dashboardUpdates"]["rep"]["metrics"]["actions"]
    else:
        raise AssertionError(f"the dashboard never reached {recorded} actions")
    with pytest.raises(TimeoutError):
        await ws.next("board", within=0.3)
