"""Subscriptions over HTTP against small limits: heartbeats keep an idle stream talking, the
request timeout does not cut a stream, and a stream ends when its token expires (as the
WebSocket closes with 4403)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from hindsight.app import create_app
from hindsight.auth import issue_token
from hindsight.domain.enums import Role
from hindsight.settings import Settings
from tests.conftest import SECRET
from tests.live.client import TIMEOUT, serve
from tests.live.http_streams import http_url, multipart, sse

HEARTBEAT = 0.2
REQUEST_TIMEOUT = 2.0  # long enough for a stream to start on a busy machine
EVENTS = "subscription { outcomeEvents { id } }"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """An app with quick heartbeats and a short request timeout; no test here reads its
    (empty) database."""
    path: Path = tmp_path_factory.mktemp("streams") / "hindsight.db"
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{path}",
        jwt_secret=SECRET,
        run_scheduler=False,
        ws_keep_alive_seconds=HEARTBEAT,
        request_timeout_seconds=REQUEST_TIMEOUT,
    )
    async with serve(create_app(settings), lifespan="on") as served:
        yield served


def token(**overrides: object) -> str:
    claims: dict[str, object] = {"tenant": uuid.uuid4(), "role": Role.ADMIN, "sub": "admin"}
    return issue_token(**{"secret": SECRET, **claims, **overrides})  # type: ignore[arg-type]


async def test_multipart_heartbeats_outlive_the_request_timeout(url: str) -> None:
    """Heartbeats, HEARTBEAT apart, for twice REQUEST_TIMEOUT: the stream was not answered
    with a 504 nor cut."""
    async with multipart(url, EVENTS, token=token()) as stream:
        for _ in range(int(REQUEST_TIMEOUT / HEARTBEAT) * 2):
            await stream.heartbeat(within=TIMEOUT)


async def test_sse_pings_outlive_the_request_timeout(url: str) -> None:
    headers = {"accept": "text/event-stream", "authorization": f"Bearer {token()}"}
    body = {"query": EVENTS}
    pings = 0
    async with (
        httpx.AsyncClient(timeout=TIMEOUT) as http,
        http.stream("POST", http_url(url), json=body, headers=headers) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache, no-transform"
        async for line in response.aiter_lines():
            assert not line.startswith(("event:", "data:")), line  # nothing but pings
            pings += line.startswith(":")
            if pings > int(REQUEST_TIMEOUT / HEARTBEAT) * 2:
                break


@pytest.mark.parametrize("open_stream", [multipart, sse], ids=["multipart", "sse"])
async def test_the_stream_ends_unauthenticated_when_its_token_expires(
    url: str, open_stream: type
) -> None:
    async with open_stream(url, EVENTS, token=token(ttl_seconds=2)) as stream:
        kind, payload = await stream.message(within=30)
        assert kind == "next" and payload["errors"] == [
            {"message": "token expired", "extensions": {"code": "UNAUTHENTICATED"}}
        ]
        assert await stream.message() == ("complete", None)
