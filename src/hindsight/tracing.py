"""The OpenTelemetry setup behind ``hindsight.telemetry``; imported only when traces are on
(it needs the ``otel`` extra). Everything is read from the standard ``OTEL_*`` variables:
the exporter's endpoint and headers, ``OTEL_SERVICE_NAME`` (default ``hindsight``), the
sampler and the batch processor's delays."""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator
from typing import Any

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from starlette.middleware import Middleware
from strawberry.extensions.tracing import OpenTelemetryExtension

TRACER = "hindsight"


def start() -> None:
    """The process's tracer provider, exporting over OTLP/HTTP, and the client libraries'
    instrumentation (asyncpg, Redis: process-wide patches, made once)."""
    name = os.environ.get("OTEL_SERVICE_NAME") or "hindsight"
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    AsyncPGInstrumentor().instrument()  # type: ignore[no-untyped-call]
    RedisInstrumentor().instrument()


def graphql_extension() -> Callable[[], OpenTelemetryExtension]:
    """Operation and resolver spans, without the resolvers' arguments (inputs carry
    metadata and free text that a trace store should not keep)."""
    return functools.partial(OpenTelemetryExtension, arg_filter=_no_arguments)


def _no_arguments(arguments: dict[str, Any], info: Any) -> dict[str, Any]:
    return {}


def server_middleware() -> Middleware:
    # One span per request; not one more per ASGI message (a stream sends thousands).
    return Middleware(OpenTelemetryMiddleware, exclude_spans=["receive", "send"])


def trace_engine(engine: Any) -> None:
    # Its declared range stops below SQLAlchemy 2.1, whose engine events it uses unchanged
    # (tests/live/test_tracing.py checks the spans on SQLite).
    SQLAlchemyInstrumentor().instrument(engine=engine, skip_dep_check=True)


@contextlib.contextmanager
def job_span(name: str) -> Iterator[None]:
    with trace.get_tracer(TRACER).start_as_current_span(f"job {name}"):
        yield
