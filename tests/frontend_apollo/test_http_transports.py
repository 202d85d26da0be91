"""The official clients over plain HTTP against the live server: Apollo Client 4 with only an
HttpLink (Apollo's multipart protocol, no WebSocket link) and the graphql-sse client
(distinct connections mode), as tests/frontend_apollo/http_transports.mjs drives them."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from hindsight.domain import events as topics
from hindsight.domain.enums import Role
from tests.conftest import Tenant
from tests.frontend_apollo.test_apollo_cache import HERE, node_or_skip
from tests.live.http_streams import listening


async def run_script(node: str, tenant: Tenant, *args: str) -> dict[str, Any]:
    """Run the script; answer each ``{"listening": n}`` once n outcomeEvents subscriptions
    listen on the broker; its last line is the report."""
    process = await asyncio.create_subprocess_exec(
        node,
        "--conditions=development",
        str(HERE / "http_transports.mjs"),
        *args,
        cwd=HERE,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdin and process.stdout and process.stderr
    message: dict[str, Any] = {}
    async with asyncio.timeout(300):
        while line := await process.stdout.readline():
            message = json.loads(line)
            if "listening" not in message:
                break
            await listening(tenant, topics.OUTCOMES, message["listening"])
            process.stdin.write(b"go\n")
            await process.stdin.drain()
        await process.wait()
    assert message, (await process.stderr.read()).decode()
    assert "failed" not in message, message
    return message


async def test_apollo_over_multipart_and_the_graphql_sse_client(live: str, tenant: Tenant) -> None:
    node = node_or_skip()
    http = live.replace("ws://", "http://")
    report = await run_script(node, tenant, http, tenant.token(Role.ADMIN), "t-http")
    assert report["warnings"] == []
    assert report["multipart"] == {
        "snapshotType": "ManagerDashboard",
        "pushedSameId": True,
        "eventKind": "RECORDED",
        "cachedDashboard": True,
    }
    assert report["sse"] == {
        "eventKind": "RECORDED",
        "eventRep": "rep-sse",
        "hasEventId": True,
        "query": {"viewer": {"role": "ADMIN"}},
        "refused": True,
    }
