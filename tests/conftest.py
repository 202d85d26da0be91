"""One backend fixture: every GraphQL test runs on SQLite + in-process events and on
PostgreSQL + Redis, each database built by running the real migrations."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from hypothesis import settings as hypothesis_settings
from sqlalchemy import event
from starlette.applications import Starlette

from hindsight.app import create_app
from hindsight.auth import issue_token
from hindsight.db import lean, migrate
from hindsight.domain.clock import FrozenClock
from hindsight.domain.enums import Role
from hindsight.services import Services
from hindsight.settings import Settings
from tests.services import POSTGRES_URL, REDIS_URL, need

SECRET = "test-secret-" + "x" * 32

# Hypothesis's default 200 ms deadline is a timed assertion: on a busy machine it fails
# tests whose answers are right. Speed is measured by the benchmarks instead.
hypothesis_settings.register_profile("hindsight", deadline=None)
hypothesis_settings.load_profile("hindsight")


async def create_postgres_database() -> str:
    """A fresh, migrated PostgreSQL database; returns its URL."""
    need("PostgreSQL", POSTGRES_URL)
    name = f"hindsight_test_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(POSTGRES_URL.replace("+asyncpg", ""))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    await asyncio.to_thread(migrate.upgrade, url)
    return url


async def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(POSTGRES_URL.replace("+asyncpg", ""))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@dataclass
class Backend:
    name: str
    settings: Settings

    @property
    def is_postgres(self) -> bool:
        return self.name == "postgres"


@pytest_asyncio.fixture(scope="session", params=["sqlite", "postgres"])
async def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Backend]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "hindsight.db"
        url = f"sqlite+aiosqlite:///{path}"
        await asyncio.to_thread(migrate.upgrade, url)
        yield Backend("sqlite", _settings(url, None))
        return
    need("Redis", REDIS_URL)
    url = await create_postgres_database()
    try:
        yield Backend("postgres", _settings(url, REDIS_URL))
    finally:
        await drop_postgres_database(url)


def _settings(url: str, redis_url: str | None) -> Settings:
    return Settings(
        database_url=url,
        redis_url=redis_url,
        jwt_secret=SECRET,
        run_scheduler=False,
        cache_ttl_seconds=300,
        # A loaded machine must make tests slow, not failed; the limit itself has its test.
        request_timeout_seconds=600,
    )


@dataclass
class Api:
    """A client of the running app, as dashboards and the agent are."""

    http: httpx.AsyncClient
    services: Services
    clock: FrozenClock
    backend: Backend
    app: Starlette  # the session's app, already started (to serve it on a real socket)

    def token(
        self, tenant: uuid.UUID, role: Role, sub: str | None = None, team: str | None = None
    ) -> str:
        return issue_token(
            SECRET, tenant=tenant, role=role, sub=sub or role.value.lower(), team=team
        )

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> httpx.Response:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """Run a document; fail the test on any GraphQL error."""
        response = await self.post(query, variables, token)
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    async def error(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """Run a document that must fail; returns its first error."""
        body = (await self.post(query, variables, token)).json()
        assert body.get("errors"), body
        return body["errors"][0]


@pytest_asyncio.fixture(scope="session")
async def api(backend: Backend) -> AsyncIterator[Api]:
    clock = FrozenClock(dt.datetime.now(dt.UTC))
    app = create_app(backend.settings, clock=clock)
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(app.router.lifespan_context(app))
        transport = httpx.ASGITransport(app=app)
        http = await stack.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url="http://hindsight.test")
        )
        yield Api(http, app.state.services, clock, backend, app)


@pytest.fixture(autouse=True)
def _real_time(request: pytest.FixtureRequest) -> None:
    """Each test starts at the real current time; tests move the clock, never sleep."""
    if "api" in request.fixturenames:
        request.getfixturevalue("api").clock.now = dt.datetime.now(dt.UTC)


@dataclass
class Tenant:
    id: uuid.UUID
    api: Api

    def token(
        self, role: Role = Role.ADMIN, sub: str | None = None, team: str | None = None
    ) -> str:
        return self.api.token(self.id, role, sub, team)


@pytest.fixture
def tenant(api: Api) -> Tenant:
    """A fresh tenant per test: tests share a database but never each other's rows."""
    return Tenant(uuid.uuid4(), api)


@contextlib.contextmanager
def engine_events(api: Api, name: str, keep: Callable[..., Any]) -> Iterator[list[Any]]:
    """``keep(*arguments)`` of every engine event ``name`` while the block runs."""
    seen: list[Any] = []
    engine = api.services.db.engine.sync_engine

    def record(*arguments: Any) -> None:
        seen.append(keep(*arguments))

    event.listen(engine, name, record)
    try:
        yield seen
    finally:
        event.remove(engine, name, record)


@contextlib.contextmanager
def sql_statements(api: Api) -> Iterator[list[str]]:
    """Every SQL statement the app sends while the block runs: through SQLAlchemy, and on
    asyncpg itself from the hot paths (``db/lean.py``)."""
    keep = lambda _conn, _cursor, sql, *_: sql  # noqa: E731
    with engine_events(api, "before_cursor_execute", keep) as seen:
        lean.observers.append(seen.append)
        try:
            yield seen
        finally:
            lean.observers.remove(seen.append)


def transactions(api: Api) -> contextlib.AbstractContextManager[list[Any]]:
    """Every transaction (unit of work) the app begins while the block runs."""
    return engine_events(api, "begin", lambda connection: connection)
