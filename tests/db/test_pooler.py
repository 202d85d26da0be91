"""Behind PgBouncer in transaction mode (``HINDSIGHT_DATABASE_POOLER=transaction``): each
transaction may run on another server connection, the ``role`` startup parameter is refused
and named prepared statements do not outlive a transaction (PgBouncer before 1.21).
Writes, reads, events and the RLS role hold under concurrent load through a real pooler."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio

from hindsight.app import create_app
from hindsight.auth import issue_token
from hindsight.domain import events as topics
from hindsight.domain.enums import Role
from hindsight.services import channel
from hindsight.settings import Settings
from tests.api import documents
from tests.api.factories import outcome_input
from tests.api.test_batches import RECORD_MANY
from tests.conftest import SECRET, create_postgres_database, drop_postgres_database
from tests.db.test_rls_role import FORGET_ROLES, RECORD_ROLES
from tests.live.client import GraphQLSocket, eventually, serve
from tests.live.http_streams import redis_subscribers
from tests.pooler import PgBouncer, pgbouncer
from tests.services import REDIS_URL, need

LIST = """query($f: OutcomeFilter) { outcomes(first: 20, filter: $f) {
  totalCount edges { node { id status } } } }"""
CALIBRATED = """{ calibratedConfidence(actionType: "send_follow_up", confidence: 0.7) {
  confidence multiplier sampleCount } }"""
EVENTS = "subscription { outcomeEvents { kind outcome { id status } } }"


@pytest_asyncio.fixture(scope="module")
async def pooled() -> AsyncIterator[tuple[str, PgBouncer]]:
    """A fresh migrated database (migrations run directly, as the owner) and a pooler."""
    need("Redis", REDIS_URL)
    database = await create_postgres_database()
    try:
        async with pgbouncer() as pooler:
            yield database, pooler
    finally:
        await drop_postgres_database(database)


@contextlib.asynccontextmanager
async def app_behind(url: str, pooler: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url=url,
        database_pooler=pooler,
        redis_url=REDIS_URL,
        jwt_secret=SECRET,
        run_scheduler=False,
        request_timeout_seconds=600,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://pooled.test") as http:
            http.app = app  # type: ignore[attr-defined]
            yield http


def token(tenant: uuid.UUID, role: Role = Role.AGENT) -> dict[str, str]:
    jwt = issue_token(SECRET, tenant=tenant, role=role, sub=role.value.lower())
    return {"authorization": f"Bearer {jwt}"}


async def ask(
    http: httpx.AsyncClient, tenant: uuid.UUID, query: str, **variables: Any
) -> dict[str, Any]:
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=token(tenant)
    )
    body = response.json()
    assert "errors" not in body, body
    return dict(body["data"])


@contextlib.asynccontextmanager
async def insert_roles_noted(database: str) -> AsyncIterator[asyncpg.Connection]:
    """A trigger notes ``current_user`` of every outcome and signal insert."""
    admin = await asyncpg.connect(database.replace("+asyncpg", ""))
    try:
        await admin.execute(RECORD_ROLES)
        yield admin
    finally:
        await admin.execute(FORGET_ROLES)
        await admin.close()


async def test_the_role_startup_parameter_is_what_pgbouncer_refuses(
    pooled: tuple[str, PgBouncer],
) -> None:
    """Why the setting exists: without it nothing works through the pooler."""
    database, pooler = pooled
    with pytest.raises(asyncpg.PostgresError, match="unsupported startup parameter: role"):
        await asyncpg.connect(
            pooler.url(database).replace("+asyncpg", ""), server_settings={"role": "x"}
        )


async def test_writes_and_reads_under_load_run_as_the_rls_role(
    pooled: tuple[str, PgBouncer],
) -> None:
    database, pooler = pooled
    tenant = uuid.uuid4()
    async with (
        insert_roles_noted(database) as admin,
        app_behind(pooler.url(database), "transaction") as http,
    ):
        assert (await http.get("/readyz")).status_code == 200

        async def one(i: int) -> None:
            conversation = f"c-{i}"
            await ask(
                http, tenant, documents.RECORD, input=outcome_input(conversationId=conversation)
            )
            await ask(
                http,
                tenant,
                documents.SIGNAL,
                input={"kind": "CUSTOMER_REPLIED", "conversationId": conversation},
            )
            await ask(http, tenant, LIST, f={"conversationId": conversation})
            await ask(http, tenant, CALIBRATED)

        await asyncio.gather(*(one(i) for i in range(40)))
        batch = [outcome_input(conversationId=f"b-{i}") for i in range(100)]
        answers = (await ask(http, tenant, RECORD_MANY, inputs=batch))["recordOutcomes"]
        assert {a["__typename"] for a in answers} == {"Outcome"}
        page = await ask(http, tenant, LIST, f={"statuses": ["POSITIVE"]})
        assert page["outcomes"]["totalCount"] == 40
        writers = await admin.fetch("SELECT who, count(*) AS n FROM insert_roles GROUP BY who")
    assert {row["who"]: row["n"] for row in writers} == {"hindsight_app": 40 + 40 + 100}


async def test_a_subscriber_sees_events_written_through_the_pooler(
    pooled: tuple[str, PgBouncer],
) -> None:
    database, pooler = pooled
    tenant = uuid.uuid4()
    async with app_behind(pooler.url(database), "transaction") as http:
        app = http.app  # type: ignore[attr-defined]
        async with serve(app) as url:
            jwt = token(tenant, Role.ADMIN)["authorization"].removeprefix("Bearer ")
            async with GraphQLSocket.open(url, jwt) as ws:
                await ws.subscribe("events", EVENTS)
                name = channel(tenant, topics.OUTCOMES)
                await eventually(lambda: app.state.services.broker.local_subscribers(name) > 0)
                await eventually(lambda: redis_subscribers(name), step=0.05)
                recorded = await ask(http, tenant, documents.RECORD, input=outcome_input())
                event = (await ws.next("events"))["outcomeEvents"]
    assert event["outcome"]["id"] == recorded["recordOutcome"]["id"]
    assert event["kind"] == "RECORDED"


async def test_without_the_setting_the_pooler_refuses_every_connection(
    pooled: tuple[str, PgBouncer],
) -> None:
    database, pooler = pooled
    async with app_behind(pooler.url(database), "") as http:
        ready = await http.get("/readyz")
    assert ready.status_code == 503


async def test_a_day_old_outcome_is_resolved_by_detection_through_the_pooler(
    pooled: tuple[str, PgBouncer],
) -> None:
    database, pooler = pooled
    tenant = uuid.uuid4()
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).isoformat()
    async with app_behind(pooler.url(database), "transaction") as http:
        recorded = await ask(http, tenant, documents.RECORD, input=outcome_input(occurredAt=old))
        response = await http.post(
            "/graphql", json={"query": documents.DETECT}, headers=token(tenant, Role.ADMIN)
        )
        assert "errors" not in response.json(), response.json()
        outcome_id = recorded["recordOutcome"]["id"]
        response = await http.post(
            "/graphql",
            json={"query": documents.OUTCOME, "variables": {"id": outcome_id}},
            headers=token(tenant, Role.ADMIN),
        )
    assert response.json()["data"]["outcome"]["status"] == "NEGATIVE"
