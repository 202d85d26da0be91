"""OpenTelemetry traces (docs/operations/tracing.md): a ``hindsight serve`` child with the standard
``OTEL_EXPORTER_OTLP_ENDPOINT`` pointing at a small OTLP/HTTP receiver of ours (a Starlette
app decoding the protobuf with ``opentelemetry-proto``); one recordOutcome sent with a W3C
``traceparent`` exports the HTTP server span, the GraphQL operation and the SQL in the
caller's trace. Without the variable, nothing of OpenTelemetry is imported."""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hindsight.domain.enums import Role
from tests.api import documents
from tests.api.factories import outcome_input
from tests.conftest import SECRET
from tests.live.client import eventually, serve
from tests.live.processes import free_port, hindsight, wait_healthy
from tests.live.test_e2e import own_services, token


class Receiver:
    """What an OTLP/HTTP collector received: every span, with its resource's service."""

    def __init__(self) -> None:
        self.spans: list[tuple[str, Span]] = []

    async def traces(self, request: Request) -> Response:
        export = ExportTraceServiceRequest.FromString(await request.body())
        for resource_spans in export.resource_spans:
            service = _attributes(resource_spans.resource.attributes)["service.name"]
            for scope_spans in resource_spans.scope_spans:
                self.spans += [(service, span) for span in scope_spans.spans]
        body = ExportTraceServiceResponse().SerializeToString()
        return Response(body, media_type="application/x-protobuf")

    def in_trace(self, trace_id: str) -> list[Span]:
        return [span for _, span in self.spans if span.trace_id.hex() == trace_id]


def _attributes(pairs: Any) -> dict[str, Any]:
    return {kv.key: getattr(kv.value, kv.value.WhichOneof("value")) for kv in pairs}


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[tuple[str, Receiver]]:
    found = Receiver()
    app = Starlette(routes=[Route("/v1/traces", found.traces, methods=["POST"])])
    async with serve(app) as url:
        yield url.replace("ws://", "http://").removesuffix("/graphql"), found


@contextlib.asynccontextmanager
async def traced_environment(
    endpoint: str, database: str | None = None
) -> AsyncIterator[dict[str, str]]:
    """PostgreSQL (or ``database``), a Redis of its own, and traces exported to ``endpoint``."""
    async with own_services(database) as env:
        yield env | {
            "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
            "OTEL_SERVICE_NAME": "hindsight-under-test",
            "OTEL_BSP_SCHEDULE_DELAY": "50",  # export within 50 ms, not 5 s
        }


@contextlib.asynccontextmanager
async def traced_server(endpoint: str, database: str | None = None) -> AsyncIterator[str]:
    """``hindsight serve`` exporting its traces to ``endpoint``; yields its base URL."""
    async with traced_environment(endpoint, database) as env:
        port = free_port()
        with hindsight("serve", "--port", str(port), env=env) as child:
            base = f"http://127.0.0.1:{port}"
            await wait_healthy(base, child)
            yield base


@pytest.mark.parametrize("database", ["postgres", "sqlite"])
async def test_one_record_outcome_exports_http_graphql_and_sql_spans_in_the_callers_trace(
    receiver: tuple[str, Receiver], database: str, tmp_path: Path
) -> None:
    """On PostgreSQL the SQL spans are asyncpg's; on SQLite, SQLAlchemy's."""
    endpoint, found = receiver
    trace_id, parent_id = secrets.token_hex(16), secrets.token_hex(8)
    url = f"sqlite:///{tmp_path}/hindsight.db" if database == "sqlite" else None
    async with traced_server(endpoint, url) as base, httpx.AsyncClient(timeout=30) as http:
        response = await http.post(
            f"{base}/graphql",
            json={"query": documents.RECORD, "variables": {"input": outcome_input()}},
            headers={
                "authorization": f"Bearer {token(Role.AGENT)}",
                "traceparent": f"00-{trace_id}-{parent_id}-01",
            },
        )
        assert response.json()["data"]["recordOutcome"]["__typename"] == "Outcome"

        def exported() -> bool:
            spans = found.in_trace(trace_id)
            kinds = {_kind(span) for span in spans}
            return {"server", "graphql", "sql", "redis"} <= kinds

        await eventually(exported, within=30, step=0.05)
    spans = found.in_trace(trace_id)
    [server] = [s for s in spans if _kind(s) == "server"]
    assert server.parent_span_id.hex() == parent_id  # the caller's span is its parent
    [operation] = [s for s in spans if s.name == "GraphQL Query: Record"]  # Strawberry's name
    assert operation.parent_span_id == server.span_id
    resolver = next(s for s in spans if s.name == "GraphQL Resolving: recordOutcome")
    assert not any(k.startswith("graphql.param") for k in _attributes(resolver.attributes))
    assert {service for service, _ in found.spans} == {"hindsight-under-test"}


async def test_each_worker_job_is_a_span_with_its_sql_inside(
    receiver: tuple[str, Receiver],
) -> None:
    endpoint, found = receiver
    async with traced_environment(endpoint) as env:
        with hindsight("worker", "--burst", env=env) as worker:
            assert await worker.finished() == 0, worker.text()
    jobs = [span for _, span in found.spans if span.name.startswith("job ")]
    assert jobs, [span.name for _, span in found.spans]
    inside = {span.parent_span_id for _, span in found.spans if _kind(span) == "sql"}
    assert any(job.span_id in inside for job in jobs)


def _kind(span: Span) -> str:
    attributes = _attributes(span.attributes)
    if "http.method" in attributes and span.kind == Span.SpanKind.SPAN_KIND_SERVER:
        return "server"
    if span.name.startswith("GraphQL"):
        return "graphql"
    kinds = {"postgresql": "sql", "sqlite": "sql", "redis": "redis"}
    return kinds.get(attributes.get("db.system", ""), "other")


def test_without_the_variable_nothing_of_opentelemetry_is_imported() -> None:
    probe = (
        "import sys; from hindsight.app import create_app; from hindsight.settings import "
        f"Settings; create_app(Settings(database_url='sqlite+aiosqlite://', jwt_secret={SECRET!r}"
        ")); print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout


def test_with_the_variable_but_without_the_extra_the_app_serves_untraced() -> None:
    probe = (
        "import sys; sys.modules['opentelemetry'] = None\n"  # as if the extra were absent
        "from hindsight.app import create_app; from hindsight.settings import Settings\n"
        f"create_app(Settings(database_url='sqlite+aiosqlite://', jwt_secret={SECRET!r}))\n"
        "print('served')"
    )
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"}
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={**os.environ, **env},
    )
    assert done.stdout.strip() == "served"
    assert "the otel extra is not installed" in done.stderr


pytestmark = pytest.mark.postgres
