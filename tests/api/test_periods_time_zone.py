"""Periods in a time zone (docs/reference/api.md): whole calendar days in ``timeZone`` (an IANA
name, UTC by default), answered with UTC instants; the previous period carries its dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hindsight.domain.enums import Role
from tests.api.factories import record
from tests.conftest import Tenant

LA = "America/Los_Angeles"
BOARDS = """query($period: PeriodInput) {
  repDashboard(repId: "rep-1", period: $period) {
    id from to timeZone previousFrom previousTo
    metrics { actions } trend { day metrics { actions } } }
  managerDashboard(teamId: "t1", period: $period) { id reps { repId metrics { actions } } }
}"""
MEMBER = """mutation($input: TeamMemberInput!) { setTeamMember(input: $input) { id } }"""


def at(day: dt.date, hour: int) -> str:
    return dt.datetime.combine(day, dt.time(hour), dt.UTC).isoformat()


async def boards(tenant: Tenant, period: dict[str, Any]) -> dict[str, Any]:
    return await tenant.api.gql(BOARDS, {"period": period}, tenant.token())


async def test_a_day_in_los_angeles_is_not_a_utc_day(tenant: Tenant) -> None:
    day = tenant.api.clock.now.date() - dt.timedelta(days=3)  # D; 05:00 UTC is D-1 in LA
    before = day - dt.timedelta(days=1)
    member = {"userId": "rep-1", "teamId": "t1", "role": "REP"}
    await tenant.api.gql(MEMBER, {"input": member}, tenant.token())
    await record(tenant, repId="rep-1", occurredAt=at(day, 5))
    two_days = {"from": at(before, 12), "to": at(day, 12)}
    utc = (await boards(tenant, two_days))["repDashboard"]
    local = (await boards(tenant, {**two_days, "timeZone": LA}))["repDashboard"]
    assert [(p["day"], p["metrics"]["actions"]) for p in utc["trend"]] == [
        (before.isoformat(), 0),
        (day.isoformat(), 1),
    ]
    assert [(p["day"], p["metrics"]["actions"]) for p in local["trend"]] == [
        (before.isoformat(), 1),
        (day.isoformat(), 0),
    ]
    assert local["timeZone"] == LA and utc["timeZone"] == "UTC"
    eight = dt.timedelta(hours=8)  # PST in January and in summer PDT is 7: check the offset
    offset = dt.datetime.fromisoformat(local["from"]) - dt.datetime.fromisoformat(utc["from"])
    assert offset in (eight, eight - dt.timedelta(hours=1))
    assert local["previousTo"] == local["from"]
    span = dt.datetime.fromisoformat(local["to"]) - dt.datetime.fromisoformat(local["from"])
    gap = dt.datetime.fromisoformat(local["previousTo"]) - dt.datetime.fromisoformat(
        local["previousFrom"]
    )
    assert abs(span - gap) <= dt.timedelta(hours=1)  # two days each, DST aside
    assert utc["id"] != local["id"]
    node = await tenant.api.gql(
        "query($id: ID!) { node(id: $id) { ... on RepDashboard { timeZone trend { day } } } }",
        {"id": local["id"]},
        tenant.token(),
    )
    assert node["node"] == {"timeZone": LA, "trend": [{"day": p["day"]} for p in local["trend"]]}


async def test_team_rows_follow_the_zone(tenant: Tenant) -> None:
    day = tenant.api.clock.now.date() - dt.timedelta(days=3)
    before = day - dt.timedelta(days=1)
    member = {"userId": "rep-1", "teamId": "t1", "role": "REP"}
    await tenant.api.gql(MEMBER, {"input": member}, tenant.token())
    await record(tenant, repId="rep-1", occurredAt=at(day, 5))
    one_day = {"from": at(before, 12), "to": at(before, 12)}
    utc = (await boards(tenant, one_day))["managerDashboard"]["reps"]
    local = (await boards(tenant, {**one_day, "timeZone": LA}))["managerDashboard"]["reps"]
    assert utc == [{"repId": "rep-1", "metrics": {"actions": 0}}]
    assert local == [{"repId": "rep-1", "metrics": {"actions": 1}}]


async def test_bad_zones_are_refused_by_name(tenant: Tenant) -> None:
    for zone in ("Mars/Olympus_Mons", "../etc/passwd", "", " UTC"):
        body = (
            await tenant.api.post(BOARDS, {"period": {"timeZone": zone}}, tenant.token())
        ).json()
        codes = {e["extensions"]["code"] for e in body["errors"]}
        assert codes == {"BAD_USER_INPUT"}, zone
        assert body["errors"][0]["extensions"]["field"] == "period.timeZone"
    body = (
        await tenant.api.post(
            '{ coachingPatterns(period: {timeZone: "Europe/Paris"}) { kind } }',
            token=tenant.token(Role.ANALYST),
        )
    ).json()
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "period.timeZone"}
