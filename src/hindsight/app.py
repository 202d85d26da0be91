"""The composition root: ``create_app(settings)`` builds the Starlette app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hindsight import metrics, preflight, telemetry
from hindsight.domain.clock import Clock, utcnow
from hindsight.services import build_services
from hindsight.settings import Settings
from hindsight.view import GraphQLView
from hindsight.web import error_response, http_error, routes
from hindsight.workers.scheduler import Scheduler

log = logging.getLogger(__name__)


class BodySizeLimit:
    """Refuse request bodies over the limit with 413 before anything parses them."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            return await _too_large(scope, receive, send)
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _BodyTooLarge:
            await _too_large(scope, receive, send)


class RequestTimeout:
    """Answer 504 when an HTTP request runs past the limit (WebSockets are long-lived, and so
    is a subscription's stream over HTTP: the limit stops once its response has started)."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started, limit = False, asyncio.timeout(self.seconds)

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if _is_stream(message):
                    limit.reschedule(None)
            await send(message)

        try:
            async with limit:
                await self.app(scope, receive, tracking_send)
        except TimeoutError:
            log.warning("request timed out after %ss: %s", self.seconds, scope.get("path"))
            if not started:
                await error_response(504, "request timed out")(scope, receive, send)


def _is_stream(start: Message) -> bool:
    headers = dict(start.get("headers", ()))
    media = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    return media in (b"text/event-stream", b"multipart/mixed")


class _BodyTooLarge(Exception):
    pass


async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
    await error_response(413, "request body too large")(scope, receive, send)


def create_app(settings: Settings | None = None, *, clock: Clock = utcnow) -> Starlette:
    settings = settings or Settings()
    settings.secret  # noqa: B018 - production refuses to start without a JWT secret
    services = build_services(settings, clock)
    if settings.is_sqlite:  # asyncpg's instrumentation covers PostgreSQL
        telemetry.trace_engine(services.db.engine.sync_engine)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await preflight.refuse_unsafe_role(services.db)  # RLS must bind the app's role
        problem = await preflight.database_error_of(services)
        if problem:  # serve anyway: /readyz says so; each new connection checks its role
            log.error("NOT READY: %s", problem)
        await services.broker.start()
        scheduler = Scheduler(services) if settings.scheduler_enabled else None
        if scheduler:
            scheduler.start()
        try:
            yield
        finally:
            if scheduler:
                await scheduler.stop()
            await services.close()

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> JSONResponse:
        checks = await preflight.readiness(services)
        if checks["status"] != "ready":
            log.error("not ready: %s", checks)
        return JSONResponse(checks, status_code=200 if checks["status"] == "ready" else 503)

    view = GraphQLView(services)
    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics.metrics),
            Route("/graphql", view, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", view),
            *routes(settings),
        ],
        exception_handlers={HTTPException: http_error},
        middleware=[
            *telemetry.asgi_middleware(),  # the server span, when traces are on
            Middleware(metrics.RequestMetrics),
            Middleware(RequestTimeout, seconds=settings.request_timeout_seconds),
            Middleware(BodySizeLimit, max_bytes=settings.max_body_bytes),
            Middleware(
                CORSMiddleware,
                allow_origins=settings.allowed_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["authorization", "content-type", "x-request-id"],
            ),
        ],
        lifespan=lifespan,
    )
    app.state.services = services
    return app
