"""The official clients over plain HTTP against the live server: Apollo Client 4 with only an
HttpLink (Apollo's multipart protocol, no WebSocket link) and the graphql-sse client
(distinct connections mode), as tests/frontend_apollo/http_transports.mjs drives them."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from hindsight.domain.enums import Role
from tests.conftest import Tenant
from tests.frontend_apollo.test_apollo_cache import HERE, node_or_skip


async def run_script(node: str, *args: str) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        node,
        "--conditions=development",
        str(HERE / "http_transports.mjs"),
        *args,
        cwd=HERE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=300)
    assert out, err.decode()
    report: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    assert "failed" not in report, report
    return report


async def test_apollo_over_multipart_and_the_graphql_sse_client(live: str, tenant: Tenant) -> None:
    node = node_or_skip()
    http = live.replace("ws://", "http://")
    report = await run_script(node, http, tenant.token(Role.ADMIN), "t-http")
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
