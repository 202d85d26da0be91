"""Prometheus metrics: ``/metrics`` on every API process (one registry per process)."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS = Counter(
    "hindsight_http_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
LATENCY = Histogram("hindsight_http_request_seconds", "HTTP request latency", ["method", "route"])
EVENTS = Counter("hindsight_events_published_total", "Domain events published", ["topic"])
RESOLVED = Counter("hindsight_outcomes_resolved_total", "Outcomes resolved", ["status"])


class RequestMetrics:
    """Count and time every HTTP request by its route template (not its raw path)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        status = 500
        started = time.perf_counter()

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route, method = _route(scope), scope["method"]
            REQUESTS.labels(method, route, str(status)).inc()
            LATENCY.labels(method, route).observe(time.perf_counter() - started)


def _route(scope: Scope) -> str:
    for route in scope["app"].routes if "app" in scope else ():
        if route.matches(scope)[0] == Match.FULL:
            return str(route.path)
    return "other"


def observe_event(topic: str, payload: dict[str, Any]) -> None:
    EVENTS.labels(topic).inc()
    if topic == "outcomes" and payload.get("kind") == "RESOLVED":
        RESOLVED.labels(str(payload.get("status"))).inc()


async def metrics(request: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
