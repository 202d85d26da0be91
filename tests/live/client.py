"""A small graphql-transport-ws client (over ``websockets``) and an in-process uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import socket
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import uvicorn
from starlette.types import ASGIApp
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin, Subprotocol

PROTOCOL = Subprotocol("graphql-transport-ws")
TIMEOUT = 10.0


class GraphQLSocket:
    """One connection: subscribe, read each operation's messages, answer server pings."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.pings = 0
        self._pending: dict[str, deque[dict[str, Any]]] = defaultdict(deque)

    @classmethod
    @contextlib.asynccontextmanager
    async def open(
        cls, url: str, token: str | None = None, *, origin: str | None = None
    ) -> AsyncIterator[GraphQLSocket]:
        """Connect; with a token, also send ``connection_init`` and await the ack."""
        async with connect(
            url,
            subprotocols=[PROTOCOL],
            origin=Origin(origin) if origin else None,
            open_timeout=TIMEOUT,
            max_queue=None,
        ) as ws:
            client = cls(ws)
            if token is not None:
                await client.init({"authorization": f"Bearer {token}"})
            yield client

    async def init(self, payload: dict[str, Any]) -> None:
        await self.send({"type": "connection_init", "payload": payload})
        message = await self.receive()
        assert message["type"] == "connection_ack", message

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def subscribe(
        self, op_id: str, query: str, variables: dict[str, Any] | None = None
    ) -> None:
        payload = {"query": query, "variables": variables or {}}
        await self.send({"id": op_id, "type": "subscribe", "payload": payload})

    async def receive(self, within: float = TIMEOUT) -> dict[str, Any]:
        """The next message that is not a ping (pings are answered and counted)."""
        async with asyncio.timeout(within):
            while True:
                message = json.loads(await self.ws.recv())
                if message.get("type") != "ping":
                    return message
                self.pings += 1
                await self.send({"type": "pong"})

    async def message(self, op_id: str, within: float = TIMEOUT) -> dict[str, Any]:
        """The next message of one operation (others are kept for their readers)."""
        async with asyncio.timeout(within):
            while not self._pending[op_id]:
                message = await self.receive(within)
                self._pending[str(message.get("id"))].append(message)
        return self._pending[op_id].popleft()

    def pending(self, op_id: str) -> list[dict[str, Any]]:
        """The operation's messages received but not read yet."""
        return list(self._pending[op_id])

    async def next(self, op_id: str, within: float = TIMEOUT) -> dict[str, Any]:
        """The data of the operation's next result; fails on errors."""
        message = await self.message(op_id, within)
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message["payload"]
        return message["payload"]["data"]


async def eventually(
    check: Callable[[], bool | Awaitable[bool]], within: float = TIMEOUT, step: float = 0.01
) -> None:
    """Poll ``check`` until it holds; fail after ``within`` seconds (a bounded loop)."""
    for _ in range(int(within / step) + 1):
        outcome = check()
        if await outcome if inspect.isawaitable(outcome) else outcome:
            return
        await asyncio.sleep(step)
    raise AssertionError(f"still not true after {within}s: {check}")


@contextlib.asynccontextmanager
async def serve(app: ASGIApp, *, lifespan: str = "off") -> AsyncIterator[str]:
    """Serve ``app`` on a free local port in this event loop; yields its WebSocket URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        lifespan=lifespan,
        log_level="warning",
        ws="websockets-sansio",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        await eventually(lambda: server.started or task.done())
        assert server.started, "uvicorn did not start"
        yield f"ws://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, TIMEOUT)
        sock.close()
