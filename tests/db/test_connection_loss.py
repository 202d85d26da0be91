"""A lost database connection is survived or answered SERVICE_UNAVAILABLE, never as a bug.

Backends are really killed (``pg_terminate_backend`` from an admin connection); nothing
pre-pings on checkout, so the first unit of work on a dead connection finds out, and is
retried once on a new connection when its COMMIT had not been sent.
"""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import httpx
import pytest
from sqlalchemy import text

from hindsight.app import create_app
from hindsight.db.engine import Database, create_engine
from hindsight.domain.enums import Role
from hindsight.domain.errors import Unavailable
from tests.api import documents
from tests.api.factories import outcome_input
from tests.conftest import Api, Tenant

KILL_OTHERS = """
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid()
"""
GRAPHQL_RESPONSE = "application/graphql-response+json"


def _postgres_url(api: Api) -> str:
    if not api.backend.is_postgres:
        pytest.skip("killing backends is a PostgreSQL test")
    return api.backend.settings.database_url.replace("+asyncpg", "")


async def test_requests_after_every_backend_was_killed_succeed(tenant: Tenant) -> None:
    url = _postgres_url(tenant.api)
    agent = tenant.token(Role.AGENT)
    reads = [tenant.api.post(documents.OUTCOMES, {"first": 5}, agent) for _ in range(8)]
    assert all(r.status_code == 200 for r in await asyncio.gather(*reads))  # fill the pool
    admin = await asyncpg.connect(url)
    try:
        assert await admin.fetchval(KILL_OTHERS) >= 1
        bodies = []
        for n in range(4):
            record = {"input": outcome_input(conversationId=f"killed-{n}")}
            bodies.append((await tenant.api.post(documents.RECORD, record, agent)).json())
            bodies.append((await tenant.api.post(documents.OUTCOMES, {"first": 5}, agent)).json())
        assert all("errors" not in body for body in bodies), bodies
        count = "SELECT count(*) FROM outcome_records WHERE tenant_id = $1"
        assert await admin.fetchval(count, tenant.id) == 4  # each write exactly once
    finally:
        await admin.close()


async def test_a_unit_of_work_whose_backend_dies_before_commit_is_retried_once(api: Api) -> None:
    url = _postgres_url(api)
    db = Database(create_engine(api.backend.settings.database_url, role="hindsight_app"))
    admin = await asyncpg.connect(url)
    attempts: list[int] = []

    async def work(session) -> int:  # type: ignore[no-untyped-def]
        pid = await session.scalar(text("SELECT pg_backend_pid()"))
        attempts.append(pid)
        if len(attempts) == 1:
            await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
            await session.execute(text("SELECT 1"))  # finds the connection dead
        return pid

    try:
        pid = await db.run(None, work)
        assert len(attempts) == 2 and pid == attempts[1] != attempts[0]
    finally:
        await db.dispose()
        await admin.close()


async def test_a_backend_lost_while_committing_is_not_retried(api: Api) -> None:
    """COMMIT's fate is unknown: the client hears SERVICE_UNAVAILABLE, the work ran once."""
    url = _postgres_url(api)
    db = Database(create_engine(api.backend.settings.database_url, role="hindsight_app"))
    admin = await asyncpg.connect(url)
    runs: list[int] = []

    async def work(session) -> None:  # type: ignore[no-untyped-def]
        runs.append(1)
        pid = await session.scalar(text("SELECT pg_backend_pid()"))
        await admin.fetchval("SELECT pg_terminate_backend($1)", pid)  # then COMMIT is sent

    try:
        with pytest.raises(Unavailable):
            await db.run(None, work)
        assert runs == [1]
    finally:
        await db.dispose()
        await admin.close()


async def test_an_unreachable_database_is_service_unavailable_with_503(api: Api) -> None:
    if not api.backend.is_postgres:
        pytest.skip("PostgreSQL only")
    settings = api.backend.settings.model_copy(
        update={"database_url": "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"}
    )
    app = create_app(settings)  # no lifespan: the start-up role check would refuse
    token = api.token(uuid.uuid4(), Role.AGENT)
    headers = {"authorization": f"Bearer {token}", "accept": GRAPHQL_RESPONSE}
    body = {"query": documents.RECORD, "variables": {"input": outcome_input()}}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hindsight.test"
    ) as http:
        response = await http.post("/graphql", json=body, headers=headers)
    await app.state.services.db.dispose()
    assert response.status_code == 503
    assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
