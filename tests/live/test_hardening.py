"""WebSocket hardening (docs/operations/security.md), against strawberry's real behaviour: init
timeout, token, origin, subscription cap, keep-alive pings, protocol choice."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Subprotocol

from hindsight.app import create_app
from hindsight.auth import issue_token
from hindsight.domain.enums import Role
from hindsight.settings import Settings
from tests.conftest import SECRET
from tests.live.client import GraphQLSocket, serve

ALLOWED = "https://dashboards.example"
INIT_TIMEOUT = 0.3
KEEP_ALIVE = 0.05
CAP = 2
EVENTS = "subscription { outcomeEvents { id } }"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """An app with small limits; no test here touches its (empty) database."""
    path: Path = tmp_path_factory.mktemp("ws") / "hindsight.db"
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{path}",
        jwt_secret=SECRET,
        run_scheduler=False,
        connection_init_timeout_seconds=INIT_TIMEOUT,
        ws_keep_alive_seconds=KEEP_ALIVE,
        max_subscriptions_per_connection=CAP,
        allowed_origins=[ALLOWED],
    )
    async with serve(create_app(settings), lifespan="on") as served:
        yield served


def token(**overrides: object) -> str:
    claims: dict[str, object] = {"tenant": uuid.uuid4(), "role": Role.ADMIN, "sub": "admin"}
    return issue_token(**{"secret": SECRET, **claims, **overrides})  # type: ignore[arg-type]


async def close_code(ws: GraphQLSocket) -> int:
    """Read until the server closes; the close code it sent."""
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await ws.receive(within=30)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


async def test_no_connection_init_in_time_closes_with_4408(url: str) -> None:
    async with GraphQLSocket.open(url) as ws:
        assert await close_code(ws) == 4408
        assert ws.pings == 0  # no keep-alive before the connection is acknowledged


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"authorization": "Bearer not-a-jwt"},
        {"authorization": f"Bearer {token(secret='another-secret-' + 'y' * 32)}"},
        {"authorization": f"Bearer {token(ttl_seconds=-60)}"},
        {"authorization": token()},  # no scheme
    ],
    ids=["missing", "garbage", "foreign-secret", "expired", "no-bearer"],
)
async def test_a_bad_or_missing_token_closes_with_4403(url: str, payload: dict) -> None:
    async with GraphQLSocket.open(url) as ws:
        await ws.send({"type": "connection_init", "payload": payload})
        assert await close_code(ws) == 4403


async def test_subscribing_before_the_ack_closes_with_4401(url: str) -> None:
    async with GraphQLSocket.open(url) as ws:
        await ws.subscribe("1", EVENTS)
        assert await close_code(ws) == 4401


async def test_cross_origin_handshakes_need_an_allowed_origin(url: str) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with GraphQLSocket.open(url, token(), origin="https://evil.example"):
            pass
    assert refused.value.response.status_code == 403
    same_origin = url.replace("ws://", "http://").removesuffix("/graphql")
    for origin in (ALLOWED, same_origin, None):
        async with GraphQLSocket.open(url, token(), origin=origin) as ws:
            await ws.subscribe("1", EVENTS)


async def test_the_subscriptions_per_connection_cap(url: str) -> None:
    async with GraphQLSocket.open(url, token()) as ws:
        for number in range(CAP):
            await ws.subscribe(str(number), EVENTS)
        await ws.subscribe("over", EVENTS)
        refused = await ws.message("over")
        assert refused["type"] == "error"
        assert refused["payload"][0]["message"] == "Subscription limit reached"
        await ws.send({"id": "0", "type": "complete"})  # frees a place at once
        await ws.subscribe("again", EVENTS)
        # The server handles a connection's messages in order: a refusal of "again" would
        # arrive before the answer to this ping.
        await ws.send({"type": "ping"})
        assert await ws.receive() == {"type": "pong"}
        assert not ws.pending("again")


async def test_keep_alive_pings_once_acknowledged(url: str) -> None:
    async with GraphQLSocket.open(url, token()) as ws, asyncio.timeout(30):
        while ws.pings < 3:  # receive() answers and counts pings while it waits
            with contextlib.suppress(TimeoutError):
                await ws.receive(within=KEEP_ALIVE)


async def test_only_graphql_transport_ws_is_spoken(url: str) -> None:
    legacy = Subprotocol("graphql-ws")
    async with connect(url, subprotocols=[legacy]) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4406


async def test_a_connection_closes_with_4403_when_its_token_expires(url: str) -> None:
    async with GraphQLSocket.open(url, token(ttl_seconds=2)) as ws:  # acknowledged first
        await ws.subscribe("1", EVENTS)
        assert await close_code(ws) == 4403
