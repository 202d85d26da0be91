"""A real ``hindsight serve`` process for the client's tests, on SQLite (embedded, in-process
events) or PostgreSQL with a Redis of its own: started, SIGKILLed and restarted on one port,
asked through GraphQL, ``/metrics`` (its own request counter) and its database."""

from __future__ import annotations

import contextlib
import os
import signal
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Executable
from sqlalchemy.ext.asyncio import create_async_engine

from hindsight.auth import issue_token
from hindsight.domain.enums import Role
from tests.conftest import SECRET, create_postgres_database, drop_postgres_database
from tests.live.processes import Child, free_port, redis_server, wait_healthy


class Server:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = {**env, "HINDSIGHT_JWT_SECRET": SECRET, "HINDSIGHT_LOG_LEVEL": "WARNING"}
        self.env["HINDSIGHT_RUN_SCHEDULER"] = "false"  # only the client's records change data
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base}/graphql"
        self.child: Child | None = None

    async def start(self) -> None:
        self.child = Child("serve", "--port", str(self.port), env=self.env)
        await wait_healthy(self.base, self.child)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, whatever request is in flight is cut off."""
        assert self.child is not None
        os.kill(self.child.process.pid, signal.SIGKILL)
        self.child.process.wait(10)
        self.child.stop()
        self.child = None

    def stop(self) -> None:
        if self.child is not None:
            self.child.stop()
            self.child = None

    async def gql(self, query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=30) as http:
            response = await http.post(
                self.url,
                json={"query": query, "variables": variables},
                headers={"authorization": f"Bearer {token}"},
            )
        body = response.json()
        assert "errors" not in body, body
        return dict(body["data"])

    async def graphql_posts(self) -> int:
        """POST /graphql requests this process has answered, by its Prometheus counter."""
        async with httpx.AsyncClient(timeout=30) as http:
            text_format = (await http.get(f"{self.base}/metrics")).text
        return int(
            sum(
                sample.value
                for family in text_string_to_metric_families(text_format)
                if family.name == "hindsight_http_requests"
                for sample in family.samples
                if sample.name == "hindsight_http_requests_total"
                and sample.labels["method"] == "POST"
                and sample.labels["route"] == "/graphql"
            )
        )

    async def scalar(self, statement: Executable) -> Any:
        """One value straight from the database (the test's login role; no RLS in the way)."""
        engine = create_async_engine(self.env["HINDSIGHT_DATABASE_URL"])
        try:
            async with engine.connect() as connection:
                return (await connection.execute(statement)).scalar_one()
        finally:
            await engine.dispose()


def token(tenant: uuid.UUID, role: Role) -> str:
    return issue_token(SECRET, tenant=tenant, role=role, sub=role.value.lower())


@contextlib.asynccontextmanager
async def database_env(kind: str, folder: str) -> AsyncIterator[dict[str, str]]:
    if kind == "sqlite":
        yield {"HINDSIGHT_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/hindsight.db"}
        return
    url = await create_postgres_database()
    try:
        async with redis_server() as redis:
            yield {"HINDSIGHT_DATABASE_URL": url, "HINDSIGHT_REDIS_URL": redis.url()}
    finally:
        await drop_postgres_database(url)


@contextlib.asynccontextmanager
async def running(kind: str, folder: str, **settings: str) -> AsyncIterator[Server]:
    """A server on ``kind``'s database, with more ``HINDSIGHT_*`` settings if given."""
    async with database_env(kind, folder) as env:
        server = Server({**env, **settings})
        try:
            await server.start()
            yield server
        except BaseException:
            if server.child is not None:
                print(f"--- output of hindsight serve ---\n{server.child.text()}")
            raise
        finally:
            server.stop()
