"""``outcomeEvents`` outlives a database outage: an event another replica committed while this
one cannot reach PostgreSQL is read from the outbox with retries and backoff, and delivered
once the database is back; the stream goes on.

The outage is a TCP proxy between this app and PostgreSQL, cut and restored (``proxy.py``
says why not a real restart of the machine's shared server)."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.app import create_app
from hindsight.auth import issue_token
from hindsight.db.engine import Database, create_engine
from hindsight.domain import events as topics
from hindsight.domain.enums import Role
from hindsight.domain.events import Event
from hindsight.live.tails import tails_for
from hindsight.services import Services, channel
from hindsight.settings import Settings
from tests.api import documents
from tests.api.factories import outcome_input
from tests.conftest import SECRET, create_postgres_database, drop_postgres_database
from tests.live.client import GraphQLSocket, eventually, serve
from tests.live.proxy import Proxy, proxy

TENANT = uuid.uuid4()
ADMIN = issue_token(SECRET, tenant=TENANT, role=Role.ADMIN, sub="admin")
AGENT = issue_token(SECRET, tenant=TENANT, role=Role.AGENT, sub="agent")
EVENTS = "subscription { outcomeEvents { id kind outcome { id status } } }"
WAIT = 30.0


@pytest_asyncio.fixture
async def database() -> AsyncIterator[str]:
    url = await create_postgres_database()
    try:
        yield url
    finally:
        await drop_postgres_database(url)


def through(url: str, cut: Proxy) -> str:
    """The database URL with the proxy in place of PostgreSQL's host and port."""
    parsed = urlparse(url)
    return url.replace(parsed.netloc.split("@")[-1], f"127.0.0.1:{cut.port}", 1)


async def record(http: httpx.AsyncClient) -> str:
    body = {"query": documents.RECORD, "variables": {"input": outcome_input()}}
    response = await http.post("/graphql", json=body, headers={"authorization": f"Bearer {AGENT}"})
    result: dict[str, Any] = response.json()["data"]["recordOutcome"]
    assert result["__typename"] == "Outcome", result
    return str(result["id"])


async def publish_recorded(services: Services, outcome_id: str) -> None:
    """The notice another replica publishes after a commit (it wakes the dashboard hub)."""
    notice = {"id": "during-outage", "kind": "RECORDED", "outcomeId": outcome_id}
    notice |= {"status": "PENDING", "repId": None, "teamId": None}
    await services.broker.publish(channel(TENANT, topics.OUTCOMES), notice)


async def committed_elsewhere(database: str, services: Services, outcome_id: str) -> None:
    """An event another replica (its own connection, not cut) commits during the outage,
    and the notice it publishes."""
    notice = {"kind": "RECORDED", "outcomeId": outcome_id}
    notice |= {"status": "PENDING", "repId": None, "teamId": None}
    other = Database(create_engine(database, role=Settings().database_role))

    async def work(session: AsyncSession) -> None:
        session.info["events"].append(Event(topics.OUTCOMES, notice, id="during-outage"))

    try:
        await other.run(TENANT, work)
    finally:
        await other.dispose()
    await services.broker.publish(channel(TENANT, topics.OUTCOMES), notice)


@dataclass
class Served:
    """The app on a socket, its database through a proxy that can cut it, and a client."""

    cut: Proxy
    services: Services
    http: httpx.AsyncClient
    ws: GraphQLSocket


@contextlib.asynccontextmanager
async def served_through_proxy(database: str) -> AsyncIterator[Served]:
    host = urlparse(database)
    async with proxy(host.hostname or "127.0.0.1", host.port or 5432) as cut:
        settings = Settings(
            database_url=through(database, cut), jwt_secret=SECRET, run_scheduler=False
        )
        app = create_app(settings)
        async with serve(app, lifespan="on") as url:
            base = url.replace("ws://", "http://").removesuffix("/graphql")
            async with (
                httpx.AsyncClient(base_url=base, timeout=WAIT) as http,
                GraphQLSocket.open(url, ADMIN) as ws,
            ):
                yield Served(cut, app.state.services, http, ws)


async def test_outcome_events_survive_a_database_outage(database: str) -> None:
    async with served_through_proxy(database) as live:
        ws, services = live.ws, live.services
        await ws.subscribe("1", EVENTS)
        sent = await record_until_received(live.http, ws)
        first = sent[-1]
        tail = tails_for(services).tails[(TENANT, topics.OUTCOMES)]
        failed = tail.failures
        await live.cut.cut()
        await committed_elsewhere(database, services, first)
        await eventually(lambda: tail.failures > failed, within=WAIT)
        await live.cut.restore()
        event = await next_new(ws, sent)
        assert (event["id"], event["outcome"]["id"]) == ("during-outage", first)
        sent.append(after := await record(live.http))
        assert (await next_new(ws, sent[:-1]))["outcome"]["id"] == after


async def record_until_received(http: httpx.AsyncClient, ws: GraphQLSocket) -> list[str]:
    """graphql-transport-ws does not acknowledge a subscription: record until an event
    arrives; the outcomes recorded (a busy machine may deliver the others later)."""
    sent: list[str] = []
    for _ in range(60):
        sent.append(await record(http))
        try:
            event = (await ws.next("1", within=0.5))["outcomeEvents"]
        except TimeoutError:
            continue
        assert event["outcome"]["id"] in sent
        return sent
    raise AssertionError("the subscription never delivered")


async def next_new(ws: GraphQLSocket, seen: list[str]) -> dict[str, Any]:
    """The next event, passing over late RECORDED events of outcomes in ``seen``."""
    while True:
        event: dict[str, Any] = (await ws.next("1", WAIT))["outcomeEvents"]
        if event["id"] == "during-outage" or event["outcome"]["id"] not in seen:
            return event


UPDATES = """subscription { dashboardUpdates(scope: {executive: true}) {
  executive { metrics { actions } } } }"""


async def test_dashboard_snapshots_failing_in_an_outage_warn_in_one_line(
    database: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The feed retries a snapshot the database could not answer: that is one WARNING line
    per try (no ERROR, no traceback), and the feed goes on once the database is back."""
    caplog.set_level(logging.WARNING, logger="hindsight.live.hub")

    def hub_lines() -> list[logging.LogRecord]:
        return [r for r in caplog.records if r.name == "hindsight.live.hub"]

    async with served_through_proxy(database) as live:
        ws = live.ws
        await ws.subscribe("1", UPDATES)
        before = (await ws.next("1", WAIT))["dashboardUpdates"]["executive"]["metrics"]
        await live.cut.cut()
        await publish_recorded(live.services, str(uuid.uuid4()))
        await eventually(lambda: bool(hub_lines()), within=WAIT)
        await live.cut.restore()
        await record(live.http)
        while True:  # the feed computes again: the new outcome arrives
            update = (await ws.next("1", WAIT))["dashboardUpdates"]
            if update["executive"]["metrics"]["actions"] > before["actions"]:
                break
    lines = hub_lines()
    assert [(r.levelno, r.exc_info) for r in lines] == [(logging.WARNING, None)] * len(lines)
    assert all("\n" not in r.getMessage() for r in lines), lines
