"""dashboardUpdates over a chosen period (and time zone): the push is the very dashboard the
query with that period returns, same id, so a cache keyed by id updates that query."""

from __future__ import annotations

import datetime as dt

from hindsight.domain.enums import Role
from tests.api.factories import record
from tests.conftest import Tenant
from tests.live.client import GraphQLSocket

BOARD = "id timeZone trend { day metrics { actions } } metrics { actions }"
UPDATES = f"""subscription($period: PeriodInput) {{
  dashboardUpdates(scope: {{repId: "rep-p"}}, period: $period) {{
    __typename ... on RepDashboard {{ {BOARD} }} }} }}"""
QUERY = f"""query($period: PeriodInput) {{
  repDashboard(repId: "rep-p", period: $period) {{ {BOARD} }} }}"""


def at(day: dt.date, hour: int) -> str:
    return dt.datetime.combine(day, dt.time(hour), dt.UTC).isoformat()


async def test_a_period_in_a_time_zone_pushes_that_dashboard(live: str, tenant: Tenant) -> None:
    day = tenant.api.clock.now.date() - dt.timedelta(days=5)
    period = {"from": at(day, 12), "to": at(day + dt.timedelta(days=1), 12)}
    period["timeZone"] = "America/Los_Angeles"
    token = tenant.token(Role.ADMIN)
    async with GraphQLSocket.open(live, token) as ws:
        await ws.subscribe("1", UPDATES, {"period": period})
        first = (await ws.next("1"))["dashboardUpdates"]
        queried = (await tenant.api.gql(QUERY, {"period": period}, token))["repDashboard"]
        assert first == {"__typename": "RepDashboard", **queried}
        assert first["metrics"] == {"actions": 0} and first["timeZone"] == "America/Los_Angeles"
        # 06:00 UTC the next day is still `day` in Los Angeles: inside the chosen days.
        await record(tenant, repId="rep-p", occurredAt=at(day + dt.timedelta(days=1), 6))
        pushed = (await ws.next("1"))["dashboardUpdates"]
    assert pushed["id"] == queried["id"] and pushed["metrics"] == {"actions": 1}
    assert [p["metrics"]["actions"] for p in pushed["trend"]] == [1, 0]
    again = (await tenant.api.gql(QUERY, {"period": period}, token))["repDashboard"]
    assert {"__typename": "RepDashboard", **again} == pushed
