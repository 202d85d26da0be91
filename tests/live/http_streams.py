"""Subscriptions over plain HTTP from Python, as clients without WebSockets take them:
Apollo's multipart protocol read part by part, graphql-sse read with ``httpx-sse``."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
from httpx_sse import EventSource, aconnect_sse
from redis.asyncio import Redis

from hindsight.domain import events as topics
from hindsight.live.tails import tails_for
from hindsight.services import channel
from tests.conftest import Tenant
from tests.live.client import TIMEOUT, eventually
from tests.services import REDIS_URL

MULTIPART = 'multipart/mixed;subscriptionSpec="1.0",application/json'
BOUNDARY = "\r\n--graphql"


OUTBOX_TOPICS = (topics.OUTCOMES, topics.FEEDBACK, topics.DRIFT)


def subscribers(tenant: Tenant, topic: str) -> int:
    """Subscriptions listening on the tenant's ``topic`` in this process: for the topics
    read from the outbox, its tail's listeners; for the others, the broker's."""
    services = tenant.api.services
    if topic in OUTBOX_TOPICS:
        tail = tails_for(services).tails.get((tenant.id, topic))
        return 0 if tail is None else tail.listeners
    return services.broker.local_subscribers(channel(tenant.id, topic))


async def listening(tenant: Tenant, topic: str, count: int = 1) -> None:
    """Wait until ``count`` subscriptions listen on the tenant's ``topic`` (a stream's
    headers come before its subscription reaches the broker), and Redis, on that backend,
    has the process's subscription."""
    name = channel(tenant.id, topic)
    await eventually(lambda: subscribers(tenant, topic) >= count)
    if tenant.api.backend.is_postgres:
        await eventually(lambda: redis_subscribers(name), step=0.02)


async def redis_subscribers(name: str) -> bool:
    client = Redis.from_url(REDIS_URL)
    try:
        [(_, count)] = await client.pubsub_numsub(name)
        return int(count) >= 1
    finally:
        await client.aclose()


def http_url(live: str) -> str:
    return live.replace("ws://", "http://")


class Stream:
    """One subscription's messages: ``("next", payload)`` … ``("complete", None)``;
    multipart heartbeats are counted, not returned (SSE's are comments, which the SSE
    library drops)."""

    def __init__(self, messages: AsyncIterator[tuple[str, Any]], response: httpx.Response):
        self.response, self._messages, self.heartbeats = response, messages, 0

    async def message(self, within: float = TIMEOUT) -> tuple[str, Any]:
        async with asyncio.timeout(within):
            while True:
                kind, value = await anext(self._messages)
                if kind != "heartbeat":
                    return kind, value
                self.heartbeats += 1

    async def next(self, within: float = TIMEOUT) -> dict[str, Any]:
        """The data of the next result; fails on errors or the end of the stream."""
        kind, payload = await self.message(within)
        assert kind == "next", (kind, payload)
        assert "errors" not in payload, payload
        data: dict[str, Any] = payload["data"]
        return data

    async def heartbeat(self, within: float = TIMEOUT) -> None:
        """Wait for the next heartbeat."""
        seen = self.heartbeats
        async with asyncio.timeout(within):
            while self.heartbeats == seen:
                kind, value = await anext(self._messages)
                assert kind == "heartbeat", (kind, value)
                self.heartbeats += 1


def _headers(token: str | None, accept: str) -> dict[str, str]:
    headers = {"accept": accept}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return headers


@contextlib.asynccontextmanager
async def multipart(
    live: str, query: str, variables: dict[str, Any] | None = None, token: str | None = None
) -> AsyncIterator[Stream]:
    body = {"query": query, "variables": variables or {}}
    async with (
        httpx.AsyncClient(timeout=TIMEOUT) as http,
        http.stream("POST", http_url(live), json=body, headers=_headers(token, MULTIPART)) as r,
    ):
        assert r.status_code == 200, await r.aread()
        yield Stream(_parts(r), r)


async def _parts(response: httpx.Response) -> AsyncIterator[tuple[str, Any]]:
    """Apollo's multipart subscription parts: ``{}`` is a heartbeat, ``{"payload": …}`` a
    result; the closing boundary ``--graphql--`` completes."""
    buffer = ""
    async for text in response.aiter_text():
        buffer += text
        *parts, buffer = buffer.split(BOUNDARY)
        for part in parts:
            if part.strip():
                yield _part(part)
        if buffer.startswith("--"):
            yield "complete", None
            return


def _part(part: str) -> tuple[str, Any]:
    body = json.loads(part.split("\r\n\r\n", 1)[1])
    if body == {}:
        return "heartbeat", None
    assert body.get("payload") is not None, body  # a transport error
    return "next", body["payload"]


@contextlib.asynccontextmanager
async def sse(
    live: str, query: str, variables: dict[str, Any] | None = None, token: str | None = None
) -> AsyncIterator[Stream]:
    body = {"query": query, "variables": variables or {}}
    async with (
        httpx.AsyncClient(timeout=TIMEOUT, headers=_headers(token, "text/event-stream")) as http,
        aconnect_sse(http, "POST", http_url(live), json=body) as source,
    ):
        assert source.response.status_code == 200, await source.response.aread()
        yield Stream(_events(source), source.response)


async def _events(source: EventSource) -> AsyncIterator[tuple[str, Any]]:
    """graphql-sse's events: ``next`` with a result, then ``complete``."""
    async for event in source.aiter_sse():
        yield event.event, json.loads(event.data) if event.data else None
        if event.event == "complete":
            return
