"""dashboardUpdates: the current snapshot first, a fresh one per change, the dashboard
queries' rights, one computation per (tenant, scope) however many subscribers share it."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from typing import Any

from hindsight.domain.enums import Role
from hindsight.live.hub import LiveScope, hub_for
from tests.api.factories import record
from tests.conftest import Tenant
from tests.live.client import GraphQLSocket, eventually
from tests.live.conftest import TEST_INTERVAL

UPDATES = """subscription($scope: DashboardScopeInput!) { dashboardUpdates(scope: $scope) {
  id generatedAt scope { repId teamId executive }
  rep { repId metrics { actions pending } }
  manager { teamId metrics { actions } reps { repId } }
  executive { metrics { actions } hoursSaved } } }"""


async def next_update(ws: GraphQLSocket, op_id: str = "1") -> dict[str, Any]:
    return (await ws.next(op_id))["dashboardUpdates"]


async def test_snapshot_first_then_one_per_change(live: str, tenant: Tenant) -> None:
    token = tenant.token(Role.REP, sub="rep-a")
    async with GraphQLSocket.open(live, token) as ws:
        await ws.subscribe("1", UPDATES, {"scope": {"repId": "rep-a"}})
        first = await next_update(ws)
        assert first["scope"] == {"repId": "rep-a", "teamId": None, "executive": False}
        assert first["rep"]["metrics"] == {"actions": 0, "pending": 0}
        assert first["manager"] is None and first["executive"] is None
        await record(tenant, repId="rep-b")  # another rep's: no new snapshot for rep-a
        await record(tenant, repId="rep-a")
        second = await next_update(ws)
        assert second["rep"]["metrics"] == {"actions": 1, "pending": 1}
        assert second["id"] == first["id"]  # the same dashboard, with new numbers


async def test_rights_are_the_dashboard_queries(live: str, tenant: Tenant) -> None:
    cases = [
        (tenant.token(Role.REP, sub="rep-a"), {"repId": "rep-b"}, "FORBIDDEN"),
        (tenant.token(Role.MANAGER, team="t1"), {"teamId": "t2"}, "FORBIDDEN"),
        (tenant.token(Role.MANAGER, team="t1"), {"executive": True}, "FORBIDDEN"),
        (tenant.token(Role.AGENT), {"repId": "rep-a"}, "FORBIDDEN"),
        (tenant.token(), {"executive": False}, "BAD_USER_INPUT"),
    ]
    for token, scope, code in cases:
        async with GraphQLSocket.open(live, token) as ws:
            await ws.subscribe("1", UPDATES, {"scope": scope})
            message = await ws.message("1")
            assert message["payload"]["errors"][0]["extensions"]["code"] == code, scope
    for scope in ({"repId": "rep-a", "teamId": "t1"}, {}):  # @oneOf: refused before it runs
        async with GraphQLSocket.open(live, tenant.token()) as ws:
            await ws.subscribe("1", UPDATES, {"scope": scope})
            message = await ws.message("1")
            assert message["type"] == "error", scope
            assert "must specify exactly one key" in message["payload"][0]["message"]
    for scope in ({"repId": "rep-a", "teamId": "t1"}, {}):  # @oneOf: refused before it runs
        async with GraphQLSocket.open(live, tenant.token()) as ws:
            await ws.subscribe("1", UPDATES, {"scope": scope})
            message = await ws.message("1")
            assert message["type"] == "error", scope
            assert "must specify exactly one key" in message["payload"][0]["message"]
    async with GraphQLSocket.open(live, tenant.token(Role.MANAGER, team="t1")) as ws:
        await ws.subscribe("1", UPDATES, {"scope": {"teamId": "t1"}})
        assert (await next_update(ws))["manager"]["teamId"] == "t1"


async def test_subscribers_of_a_scope_share_one_computation(live: str, tenant: Tenant) -> None:
    hub = hub_for(tenant.api.services)
    async with contextlib.AsyncExitStack() as stack:
        sockets = [
            await stack.enter_async_context(GraphQLSocket.open(live, tenant.token(role)))
            for role in (Role.ADMIN, Role.EXECUTIVE, Role.ANALYST, Role.ADMIN, Role.EXECUTIVE)
        ]
        for ws in sockets:
            await ws.subscribe("1", UPDATES, {"scope": {"executive": True}})
        firsts = {(await next_update(ws))["id"] for ws in sockets}
        await record(tenant)
        seconds = [await next_update(ws) for ws in sockets]
        assert len(firsts) == 1 and len({u["id"] for u in seconds}) == 1
        assert {u["executive"]["metrics"]["actions"] for u in seconds} == {1}
        assert hub.feeds[(tenant.id, LiveScope())].computations == 2
    # The last subscriber gone, the feed stops.
    await eventually(lambda: (tenant.id, LiveScope()) not in hub.feeds)


async def test_a_burst_of_writes_is_coalesced(live: str, tenant: Tenant) -> None:
    """Judged by what the feed decided (when each computation started, on the server's
    clock), not by when snapshots reach the client, which a busy machine bunches up."""
    hub, interval, writes = hub_for(tenant.api.services), 2.0, 8
    hub.min_interval = interval
    try:
        async with GraphQLSocket.open(live, tenant.token()) as ws:
            await ws.subscribe("1", UPDATES, {"scope": {"repId": "rep-a"}})
            await next_update(ws)
            feed = hub.feeds[(tenant.id, LiveScope(rep_id="rep-a"))]
            # Concurrent, so the burst lands well inside one interval even on a busy machine.
            await asyncio.gather(*(record(tenant, repId="rep-a") for _ in range(writes)))
            while (await next_update(ws))["rep"]["metrics"]["actions"] < writes:
                pass
            started = list(feed.started)
    finally:
        hub.min_interval = TEST_INTERVAL
    assert len(started) - 1 < writes  # the first computation is the initial snapshot
    gaps = [later - earlier for earlier, later in itertools.pairwise(started)]
    # A timer may fire up to the loop's clock resolution early: a millisecond covers it.
    assert all(gap >= interval - 1e-3 for gap in gaps), gaps


async def test_a_directory_change_refreshes_the_manager_view(live: str, tenant: Tenant) -> None:
    member = """mutation($i: TeamMemberInput!) { setTeamMember(input: $i) { userId } }"""
    async with GraphQLSocket.open(live, tenant.token(Role.MANAGER, team="t9")) as ws:
        await ws.subscribe("1", UPDATES, {"scope": {"teamId": "t9"}})
        assert (await next_update(ws))["manager"]["reps"] == []
        variables = {"i": {"userId": "rep-new", "teamId": "t9", "role": "REP"}}
        await tenant.api.gql(member, variables, tenant.token())
        assert (await next_update(ws))["manager"]["reps"] == [{"repId": "rep-new"}]
