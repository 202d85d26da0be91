"""Subscriptions over plain HTTP (docs/reference/live-over-http.md): Apollo's multipart
protocol (``Accept: multipart/mixed;subscriptionSpec="1.0"``) and graphql-sse in
distinct-connections mode (``Accept: text/event-stream``), for proxies and clients without
WebSockets.

Strawberry picks the transport from ``Accept`` and runs the operation with ``schema.stream``
on the view's context (the bearer header's viewer), so auth, the access table, the limits and
``dashboardUpdates``' snapshot-first behaviour are the WebSocket's. Here its results become
the response, for every subscription alike:

- a document refused before it runs (unparsable, invalid, over a limit) is a 400 GraphQL
  response, not a stream: ``StreamStarted`` tells a refusal from an operation that runs but
  has nothing to say yet;
- SSE is framed by sse-starlette (``event: next`` / ``event: complete``, ``: ping`` comments),
  multipart by Strawberry's transport (``{"payload": …}`` parts, ``{}`` heartbeats);
- the stream ends, with an ``UNAUTHENTICATED`` error, when the token expires, as the
  WebSocket closes with 4403.

A subscription posted without one of those ``Accept`` values is ``StreamRequired``: a 400
naming the transports.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Coroutine, Iterator
from math import inf
from typing import Any

from cross_web import HTTPException
from graphql import GraphQLError
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.responses import JSONResponse, Response, StreamingResponse
from strawberry.extensions import SchemaExtension
from strawberry.http import GraphQLHTTPResponse
from strawberry.http.streaming import HTTPStreamTransport, merge_stream_with_heartbeat
from strawberry.types.execution import PreExecutionError

from hindsight.context import Context
from hindsight.web import error_body

MULTIPART = 'multipart/mixed;subscriptionSpec="1.0"'
EVENT_STREAM = "text/event-stream"
TRANSPORTS = (
    f"Accept: {MULTIPART} (Apollo's multipart protocol)",
    f"Accept: {EVENT_STREAM} (graphql-sse, distinct connections)",
    "the graphql-transport-ws WebSocket protocol on the same path",
)
STREAM_REQUIRED = (
    "a subscription answers with a stream, not one JSON response: send it with "
    + "; or ".join(TRANSPORTS)
)
TOKEN_EXPIRED: GraphQLHTTPResponse = {
    "errors": [{"message": "token expired", "extensions": {"code": "UNAUTHENTICATED"}}]
}
Encode = Callable[[object], str]
Payloads = AsyncGenerator[GraphQLHTTPResponse, None]
Process = Callable[[Any], Coroutine[Any, Any, GraphQLHTTPResponse]]


class StreamRequired(HTTPException):
    """A subscription sent as a plain request: 400, naming the transports to use."""

    def __init__(self) -> None:
        super().__init__(400, STREAM_REQUIRED)

    @property
    def extensions(self) -> dict[str, object]:
        return {
            "code": "STREAM_REQUIRED",
            "transports": [MULTIPART, EVENT_STREAM, "graphql-transport-ws"],
        }


class StreamStarted(SchemaExtension):
    """Marks the moment an operation passed parsing, validation and the limits."""

    def on_execute(self) -> Iterator[None]:
        started = getattr(self.execution_context.context, "stream_started", None)
        if started is not None:
            started.set()
        yield


async def stream_response(
    source: AsyncGenerator[Any, None],
    transport: HTTPStreamTransport,
    context: Context,
    process: Process,
    encode: Encode,
    heartbeat_seconds: float,
) -> Response:
    """The operation's response: its refusal, or the stream of its results."""
    first = asyncio.ensure_future(anext(source))
    try:
        await _started(first, context.stream_started or asyncio.Event())
        refusal = await _refusal(first, process) if first.done() else None
    except BaseException:  # cancelled (the request timed out): nothing may keep running
        await _close(source, first)
        raise
    if refusal is not None:
        await _close(source, first)
        return JSONResponse(error_body(refusal), status_code=400)
    viewer = context.viewer_or_none
    payloads = _payloads(source, first, process, viewer.expires_at if viewer else None)
    if transport.protocol == "sse":
        return EventSourceResponse(
            _events(payloads, encode),
            ping=heartbeat_seconds or None,
            headers={"cache-control": "no-cache, no-transform"},
        )
    parts = _parts(payloads, transport, encode, heartbeat_seconds)
    return StreamingResponse(parts(), headers=transport.headers)


async def _started(first: asyncio.Future[Any], started: asyncio.Event) -> None:
    """Until the operation runs (``StreamStarted``) or has answered (a refusal, or a first
    result): no timer, since a subscription may wait long for its first event."""
    waiting = asyncio.ensure_future(started.wait())
    try:
        await asyncio.wait((first, waiting), return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiting.cancel()


async def _close(source: AsyncGenerator[Any, None], first: asyncio.Future[Any]) -> None:
    """End the operation: its first step if still running, then the stream itself (which
    leaves the broker)."""
    first.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await first
    await source.aclose()


async def _refusal(first: asyncio.Future[Any], process: Process) -> dict[str, Any] | None:
    """The errors of a document refused before it ran (Strawberry yields most of them as a
    ``PreExecutionError``, and raises a syntax error met while streaming)."""
    error = None if first.cancelled() else first.exception()
    if isinstance(error, GraphQLError):
        return {"errors": [error.formatted]}
    if error is None and isinstance(first.result(), PreExecutionError):
        return dict(await process(first.result()))
    return None


async def _payloads(
    source: AsyncGenerator[Any, None],
    first: asyncio.Future[Any],
    process: Process,
    expires_at: dt.datetime | None,
) -> Payloads:
    """Each result as a GraphQL response; ``TOKEN_EXPIRED`` last once the token expires."""
    pending: asyncio.Future[Any] | None = first
    try:
        while True:
            try:
                async with asyncio.timeout(_seconds_left(expires_at)):
                    value = await pending if pending is not None else await anext(source)
            except StopAsyncIteration:
                return
            except TimeoutError:
                yield TOKEN_EXPIRED
                return
            pending = None
            yield await process(value)
    finally:
        await _close(source, first)


def _seconds_left(expires_at: dt.datetime | None) -> float | None:
    if expires_at is None:
        return None
    return max((expires_at - dt.datetime.now(dt.UTC)).total_seconds(), 0.0)


async def _events(payloads: Payloads, encode: Encode) -> AsyncIterator[ServerSentEvent]:
    """graphql-sse's distinct-connections events."""
    async with contextlib.aclosing(payloads):  # closed with the response, however it ends
        async for payload in payloads:
            yield ServerSentEvent(encode(payload), event="next")
    yield ServerSentEvent("", event="complete")


def _parts(
    payloads: Payloads,
    transport: HTTPStreamTransport,
    encode: Encode,
    heartbeat_seconds: float,
) -> Callable[[], AsyncIterator[str]]:
    """Apollo's multipart subscription parts, with Strawberry's framing and heartbeats."""

    async def parts() -> AsyncGenerator[str, None]:
        async with contextlib.aclosing(payloads):
            async for payload in payloads:
                yield transport.encode_next(payload, encode)
        yield transport.encode_complete()

    return merge_stream_with_heartbeat(
        parts,
        lambda: transport.heartbeat_message(encode),
        interval=min(heartbeat_seconds or inf, transport.heartbeat_interval),  # Apollo's 5 s
        send_initial_heartbeat=True,
    )
