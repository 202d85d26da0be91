"""OpenTelemetry traces (docs/operations/tracing.md), only when asked for: the ``otel`` extra
installed (``pip install 'hindsight[otel]'``) and the standard ``OTEL_EXPORTER_OTLP_ENDPOINT``
set.
Otherwise this module imports nothing of OpenTelemetry and every hook here is a no-op.

When on, ``hindsight.tracing`` exports over OTLP/HTTP: the HTTP server span (continuing the
caller's W3C ``traceparent``), the GraphQL operation and resolvers (Strawberry's
``OpenTelemetryExtension``), SQL (asyncpg; SQLAlchemy on SQLite), Redis, and each worker job.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
from collections.abc import Iterator
from types import ModuleType
from typing import Any

log = logging.getLogger(__name__)

ENDPOINT = "OTEL_EXPORTER_OTLP_ENDPOINT"


@functools.cache
def _tracing() -> ModuleType | None:
    """``hindsight.tracing``, set up once per process; None when traces are off."""
    if not os.environ.get(ENDPOINT):
        return None
    try:
        from hindsight import tracing
    except ImportError as error:
        log.warning(
            "%s is set but the otel extra is not installed (%s): no traces", ENDPOINT, error
        )
        return None
    tracing.start()
    return tracing


def enabled() -> bool:
    return _tracing() is not None


def schema_extensions() -> list[Any]:
    """Strawberry's OpenTelemetry extension (a class: one instance per operation)."""
    tracing = _tracing()
    return [tracing.graphql_extension()] if tracing else []


def asgi_middleware() -> list[Any]:
    """The server span around every HTTP request, outermost."""
    tracing = _tracing()
    return [tracing.server_middleware()] if tracing else []


def trace_engine(engine: Any) -> None:
    """SQL spans for an engine asyncpg's instrumentation does not see (SQLite)."""
    tracing = _tracing()
    if tracing:
        tracing.trace_engine(engine)


@contextlib.contextmanager
def job_span(name: str) -> Iterator[None]:
    """A span around one worker job (its SQL and Redis spans nest inside)."""
    tracing = _tracing()
    if tracing is None:
        yield
        return
    with tracing.job_span(name):
        yield
