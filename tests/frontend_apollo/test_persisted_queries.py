"""Apollo Client's persisted-queries link against the live server (both backends): the
protocol as Apollo's own link speaks it, hashes over GET, the text sent once."""

from __future__ import annotations

import asyncio
import json

from hindsight.domain.enums import Role
from tests.conftest import Tenant
from tests.frontend_apollo.test_apollo_cache import HERE, node_or_skip


async def test_apollo_s_persisted_query_link(live: str, tenant: Tenant) -> None:
    node = node_or_skip()
    http = live.replace("ws://", "http://")
    process = await asyncio.create_subprocess_exec(
        node,
        "--conditions=development",
        str(HERE / "persisted.mjs"),
        http,
        tenant.token(Role.AGENT),
        cwd=HERE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(300):
        out, err = await process.communicate()
    assert out, err.decode()
    report = json.loads(out.decode().strip().splitlines()[-1])
    assert "failed" not in report, report
    viewer = {"viewer": {"__typename": "Viewer", "role": "AGENT", "subject": "agent"}}
    assert report["first"] == report["second"] == viewer
    # unknown hash over GET, then the text once (POST); a later client: the hash alone
    assert report["firstRequests"] == [
        {"method": "GET", "hasQuery": False},
        {"method": "POST", "hasQuery": True},
    ]
    assert report["secondRequests"] == [{"method": "GET", "hasQuery": False}]
