"""``hindsight worker`` outlives a Redis outage: Redis (a server of our own, so other test
runs on the machine's Redis are not disturbed) stops for 10 s; the same worker process,
never restarted, then resolves an ended window and writes its health key again."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from redis.asyncio import Redis

from hindsight.app import create_app
from hindsight.auth import issue_token
from hindsight.db import migrate
from hindsight.domain.enums import Role
from hindsight.settings import Settings
from hindsight.workers.worker import HEALTH_KEY
from tests.api import documents
from tests.api.factories import outcome_input
from tests.conftest import SECRET
from tests.live.client import eventually
from tests.live.processes import Child, RedisServer, hindsight, redis_server

OUTAGE_SECONDS = 10.0  # how long Redis stays away: the scenario, not a wait for anything
WAIT = 60.0  # generous: a busy machine
TENANT = uuid.uuid4()


async def health_key_written(redis: RedisServer) -> bool:
    client = Redis.from_url(redis.url(), socket_connect_timeout=1)
    try:
        return bool(await client.exists(HEALTH_KEY))
    finally:
        await client.aclose()


@contextlib.asynccontextmanager
async def agent_api(database: str) -> AsyncIterator[httpx.AsyncClient]:
    """The API in this process on the same database (its own events stay in-process)."""
    settings = Settings(database_url=database, jwt_secret=SECRET, run_scheduler=False)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
            yield http


async def gql(http: httpx.AsyncClient, role: Role, query: str, variables: dict) -> dict:
    token = issue_token(SECRET, tenant=TENANT, role=role, sub=role.value.lower())
    response = await http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"authorization": f"Bearer {token}"},
    )
    body = response.json()
    assert "errors" not in body, body
    return dict(body["data"])


async def record_ended_window(http: httpx.AsyncClient) -> str:
    """An IMMEDIATE_RESPONSE two days old: its 24 h window has ended, nobody replied."""
    occurred = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).isoformat()
    data = await gql(
        http, Role.AGENT, documents.RECORD, {"input": outcome_input(occurredAt=occurred)}
    )
    assert data["recordOutcome"]["status"] == "PENDING", data
    return str(data["recordOutcome"]["id"])


async def status_of(http: httpx.AsyncClient, outcome_id: str) -> str:
    data = await gql(http, Role.ADMIN, documents.OUTCOME, {"id": outcome_id})
    return str(data["outcome"]["status"])


async def outage(redis: RedisServer, worker: Child) -> None:
    redis.stop()
    await asyncio.sleep(OUTAGE_SECONDS)
    assert worker.process.poll() is None, worker.text()
    await redis.start()  # the same port, empty: nothing survives but the worker itself


async def test_the_worker_outlives_a_redis_outage(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'hindsight.db'}"
    await asyncio.to_thread(migrate.upgrade, database)
    async with redis_server() as redis, agent_api(database) as http:
        env = {
            "HINDSIGHT_DATABASE_URL": database,
            "HINDSIGHT_REDIS_URL": redis.url(),
            "HINDSIGHT_JWT_SECRET": SECRET,
            "HINDSIGHT_EXPIRY_INTERVAL_SECONDS": "1",  # the window-end job every second
            "HINDSIGHT_LOG_LEVEL": "INFO",
        }
        with hindsight("worker", env=env) as worker:
            await eventually(lambda: health_key_written(redis), within=WAIT, step=0.1)
            pid = worker.process.pid
            await outage(redis, worker)
            outcome_id = await record_ended_window(http)

            async def resolved() -> bool:
                assert worker.process.poll() is None, worker.text()
                return await status_of(http, outcome_id) == "NEGATIVE"

            await eventually(resolved, within=WAIT, step=0.2)
            await eventually(lambda: health_key_written(redis), within=WAIT, step=0.1)
            assert worker.process.pid == pid and worker.process.poll() is None
            assert "redis unavailable" in worker.text()
