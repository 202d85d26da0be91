"""An HTTP proxy that loses answers: every request reaches the server, which does the work
and commits, but the first answer to each named operation never reaches the client (it
gets a 502, as from a gateway whose upstream connection broke). The client must retry with
the same keys."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.live.client import serve

FORWARDED = ("authorization", "content-type", "accept")


class Lossy:
    def __init__(self, target: str, lose: set[str]) -> None:
        self.target = target
        self.lose = lose  # operation names whose next answer is lost
        self.app = Starlette(routes=[Route("/graphql", self.forward, methods=["POST"])])

    async def forward(self, request: Request) -> Response:
        headers = {k: v for k, v in request.headers.items() if k in FORWARDED}
        body = await request.body()
        async with httpx.AsyncClient(timeout=60) as http:
            answer = await http.post(self.target, content=body, headers=headers)
        lost = {name for name in self.lose if name.encode() in body}
        if lost:
            self.lose -= lost
            return Response("upstream connection lost", status_code=502)
        kind = answer.headers.get("content-type")
        return Response(answer.content, answer.status_code, media_type=kind)


@contextlib.asynccontextmanager
async def lossy(target: str, lose: set[str]) -> AsyncIterator[str]:
    """The proxy's GraphQL URL."""
    proxy = Lossy(target, lose)
    async with serve(proxy.app) as url:
        yield url.replace("ws://", "http://")
