"""Apollo Client 4, as a frontend team configures it (only generated ``possibleTypes`` and
``relayStylePagination`` on ``outcomes``), against the live server: shared dashboards,
paging both ways, a mutation and a ``dashboardUpdates`` push land in the cached queries
with zero cache warnings; an ``outcomeEvents`` feed resumes with its last cursor after the
socket drops, so the event committed meanwhile arrives. ``.ci/run`` installs the npm
packages (not committed)."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from hindsight.domain.enums import Role
from tests.api.factories import record
from tests.conftest import Tenant
from tests.services import required

HERE = Path(__file__).resolve().parent
MEMBER = """mutation($input: TeamMemberInput!) { setTeamMember(input: $input) { id } }"""
INSTALL = f"npm ci --prefix {HERE}"
PACKAGES = ("@apollo/client", "graphql", "graphql-sse", "graphql-ws", "ws")


def node_or_skip() -> str:
    """Node with the lock file's packages, installed on first use (``npm ci``, into the
    ignored ``node_modules`` here, as ``.ci/run`` also does); skipped loudly, or failed
    under ``HINDSIGHT_REQUIRE_SERVICES=1``, when Node or the registry is not there."""
    node, npm = shutil.which("node"), shutil.which("npm")
    installed = bool(node) and _packages_load(node)
    if node and npm and not installed:
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--prefix", str(HERE)],
            capture_output=True,
            timeout=600,
            check=False,
        )
        installed = done.returncode == 0 and _packages_load(node)
    if node and installed:
        return node
    message = f"Apollo Client is not installed and `{INSTALL}` failed (no Node or registry?)"
    if required():
        pytest.fail(message)
    pytest.skip(message)


def _packages_load(node: str) -> bool:
    """Whether every package panels.mjs imports really loads: an interrupted install can
    leave a package's folder without its files, which a folder check would miss."""
    probe = "; ".join(f"await import({name!r})" for name in PACKAGES)
    done = subprocess.run(
        [node, "--input-type=module", "-e", probe],
        cwd=HERE,
        capture_output=True,
        timeout=120,
        check=False,
    )
    return done.returncode == 0


async def run_panels(node: str, live: str, token: str, team: str) -> dict[str, Any]:
    http = live.replace("ws://", "http://")
    process = await asyncio.create_subprocess_exec(
        node,
        "--conditions=development",
        str(HERE / "panels.mjs"),
        http,
        live,
        token,
        team,
        cwd=HERE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=300)
    assert out, err.decode()
    report: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    assert "failed" not in report, report
    return report


async def test_apollo_cache_takes_every_answer_without_warnings(live: str, tenant: Tenant) -> None:
    node = node_or_skip()
    team = "t-apollo"
    for user in ("rep-1", "rep-2"):
        member = {"userId": user, "teamId": team, "role": "REP"}
        await tenant.api.gql(MEMBER, {"input": member}, tenant.token())
    for i in range(5):
        await record(tenant, repId="rep-1", teamId=team, conversationId=f"c{i}")
    report = await run_panels(node, live, tenant.token(Role.ADMIN), team)
    assert report["warnings"] == []
    assert report["headerActions"] == 5 and report["repsActions"] == [["rep-1", 5], ["rep-2", 0]]
    assert len(report["forward"]) == 4 and report["totalCount"] == 5
    assert report["backward"] == report["all"][-4:]
    assert report["statusInTail"] in ("POSITIVE", None)  # in the tail list when it holds it
    assert report["pushedTypes"] == ["ManagerDashboard"]
    assert report["pushedId"] == report["queryId"] and report["headerAfterPush"] == 6
    assert report["dashboardEntries"] == [f"ManagerDashboard:{report['queryId']}"]
    resume = report["resume"]
    assert resume["outcomes"] == resume["expected"]  # every one, in commit order, once
    assert resume["resumedWith"][0] is None and resume["resumedWith"][-1]  # the last cursor
