"""Dashboards through GraphQL, checked against numbers computed here from the raw rows."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from hindsight.domain.enums import Role
from tests.api.factories import rate_outcome, record, resolve, signal
from tests.conftest import Tenant, sql_statements, transactions

BLOCK = """actions pending positive negative ambiguous expired successRate engagementScore
  qualificationCompletionRate dealProgressionRate escalationRate
  responseQuality { count meanScore distribution { source rating count } }"""
REP = f"""query($rep: String!, $period: PeriodInput) {{
  repDashboard(repId: $rep, period: $period) {{
    repId from to metrics {{ {BLOCK} }} previous {{ {BLOCK} }}
    trend {{ day metrics {{ actions }} }}
  }}
}}"""
MANAGER = f"""query($team: String!) {{ managerDashboard(teamId: $team) {{
  teamId metrics {{ {BLOCK} }} previous {{ actions }}
  reps {{ repId displayName metrics {{ actions successRate }} }}
  coachingOpportunities {{ kind subject sampleSize successRate confidence }} }} }}"""
EXEC = f"""query($period: PeriodInput) {{ executiveSummary(period: $period) {{
  metrics {{ {BLOCK} }} previous {{ {BLOCK} }} automationRate hoursSaved
  calibration {{ actionType sampleCount multiplier }} }} }}"""
MEMBER = """mutation($i: TeamMemberInput!) { setTeamMember(input: $i) { userId teamId role } }"""


async def team(tenant: Tenant, team_id: str, *reps: str) -> None:
    for rep in reps:
        await tenant.api.gql(
            MEMBER, {"i": {"userId": rep, "teamId": team_id, "role": "REP"}}, tenant.token()
        )


async def hand_checked_data(tenant: Tenant) -> None:
    """rep-a: 2 immediate (1 replied, 1 unsubscribed), 1 pending escalation;
    rep-b: 1 qualification won, 1 deal lost; feedback 1.0 and 0.0 on rep-a's outcomes;
    35 days earlier: one more rep-a action (the previous period)."""
    await team(tenant, "team-x", "rep-a", "rep-b")
    clock = tenant.api.clock
    now = clock.now
    clock.now = now - dt.timedelta(days=35)
    await record(tenant, repId="rep-a", conversationId="old")
    clock.now = now
    a1 = await record(tenant, repId="rep-a", conversationId="a1")
    a2 = await record(tenant, repId="rep-a", conversationId="a2")
    await record(tenant, repId="rep-a", conversationId="a3", outcomeType="ESCALATION")
    await record(tenant, repId="rep-b", conversationId="b1", outcomeType="QUALIFICATION")
    await record(
        tenant, repId="rep-b", conversationId="b2", dealId="d2", outcomeType="DEAL_PROGRESSION"
    )
    await signal(tenant, "CUSTOMER_REPLIED", conversationId="a1")
    await signal(tenant, "UNSUBSCRIBED", conversationId="a2")
    await signal(tenant, "QUALIFICATION_COMPLETED", conversationId="b1")
    await signal(tenant, "DEAL_LOST", dealId="d2")
    await rate_outcome(tenant, a1["id"], "DASHBOARD", 5)
    await rate_outcome(tenant, a2["id"], "INLINE", -1)


async def test_hand_checked_rep_dashboard(tenant: Tenant) -> None:
    await hand_checked_data(tenant)
    data = await tenant.api.gql(REP, {"rep": "rep-a"}, tenant.token(Role.REP, sub="rep-a"))
    board = data["repDashboard"]
    m = board["metrics"]
    assert (m["actions"], m["positive"], m["negative"], m["pending"]) == (3, 1, 1, 1)
    assert m["successRate"] == 0.5 and m["engagementScore"] == 0.5
    assert m["escalationRate"] == pytest.approx(1 / 3)
    assert m["qualificationCompletionRate"] is None and m["dealProgressionRate"] is None
    assert (m["responseQuality"]["count"], m["responseQuality"]["meanScore"]) == (2, 0.5)
    assert board["previous"]["actions"] == 1 and board["previous"]["successRate"] is None
    assert len(board["trend"]) == 30 and board["trend"][-1]["metrics"]["actions"] == 3
    assert sum(p["metrics"]["actions"] for p in board["trend"]) == 3


async def test_hand_checked_manager_and_executive(tenant: Tenant) -> None:
    await hand_checked_data(tenant)
    data = await tenant.api.gql(
        MANAGER, {"team": "team-x"}, tenant.token(Role.MANAGER, sub="m", team="team-x")
    )
    board = data["managerDashboard"]
    m = board["metrics"]
    assert (m["actions"], m["positive"], m["negative"], m["successRate"]) == (5, 2, 2, 0.5)
    assert (m["qualificationCompletionRate"], m["dealProgressionRate"]) == (1.0, 0.0)
    assert {r["repId"]: r["metrics"]["actions"] for r in board["reps"]} == {"rep-a": 3, "rep-b": 2}
    assert board["coachingOpportunities"] == []  # far too few samples to call anyone "below"
    summary = (await tenant.api.gql(EXEC, token=tenant.token(Role.EXECUTIVE)))["executiveSummary"]
    assert summary["metrics"]["actions"] == 5 and summary["previous"]["actions"] == 1
    assert summary["automationRate"] == pytest.approx(0.8)
    assert summary["hoursSaved"] == pytest.approx(5 * 6 / 60)


async def test_empty_period_has_null_rates(tenant: Tenant) -> None:
    period = {"from": "2025-01-01T00:00:00+00:00", "to": "2025-01-03T00:00:00+00:00"}
    data = await tenant.api.gql(EXEC, {"period": period}, tenant.token())
    m = data["executiveSummary"]["metrics"]
    assert m["actions"] == 0 and m["successRate"] is None and m["escalationRate"] is None
    assert m["responseQuality"]["meanScore"] is None
    assert data["executiveSummary"]["automationRate"] is None


def expected_block(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The metric block computed independently from raw outcome rows."""

    def count(status: str, types: set[str] | None = None) -> int:
        return sum(
            r["status"] == status and (types is None or r["outcomeType"] in types) for r in rows
        )

    def success(types: set[str] | None = None) -> float | None:
        p, n = count("POSITIVE", types), count("NEGATIVE", types)
        return p / (p + n) if p + n else None

    return {
        "actions": len(rows),
        "positive": count("POSITIVE"),
        "negative": count("NEGATIVE"),
        "ambiguous": count("AMBIGUOUS"),
        "pending": count("PENDING"),
        "successRate": success(),
        "engagementScore": success({"IMMEDIATE_RESPONSE", "ENGAGEMENT"}),
        "qualificationCompletionRate": success({"QUALIFICATION"}),
        "dealProgressionRate": success({"DEAL_PROGRESSION"}),
        "escalationRate": sum(r["outcomeType"] == "ESCALATION" for r in rows) / len(rows)
        if rows
        else None,
    }


async def test_generated_data_matches_raw_rows(tenant: Tenant) -> None:
    rng = random.Random(5)
    await team(tenant, "team-g", "g1", "g2", "g3")
    types = ["IMMEDIATE_RESPONSE", "ENGAGEMENT", "QUALIFICATION", "DEAL_PROGRESSION", "ESCALATION"]
    for i in range(60):
        created = await record(
            tenant,
            repId=f"g{1 + i % 3}",
            conversationId=f"c{i}",
            dealId=f"d{i}",
            outcomeType=rng.choice(types),
            predictedConfidence=rng.random(),
        )
        status = rng.choice(["POSITIVE", "NEGATIVE", "AMBIGUOUS", None])
        if status:
            await resolve(tenant, created["id"], status)
    rows_query = """{ outcomes(first: 500) { edges { node { repId status outcomeType } } } }"""
    rows = [
        e["node"]
        for e in (await tenant.api.gql(rows_query, token=tenant.token()))["outcomes"]["edges"]
    ]
    for rep in ("g1", "g2", "g3"):
        board = (await tenant.api.gql(REP, {"rep": rep}, tenant.token()))["repDashboard"]
        got = {k: board["metrics"][k] for k in expected_block([])}
        want = expected_block([r for r in rows if r["repId"] == rep])
        assert got == pytest.approx(want)
    board = (await tenant.api.gql(EXEC, token=tenant.token()))["executiveSummary"]
    assert {k: board["metrics"][k] for k in expected_block([])} == pytest.approx(
        expected_block(rows)
    )


async def test_a_write_is_visible_on_the_next_read(tenant: Tenant) -> None:
    before = (await tenant.api.gql(EXEC, token=tenant.token()))["executiveSummary"]
    await record(tenant, repId="rep-z")
    after = (await tenant.api.gql(EXEC, token=tenant.token()))["executiveSummary"]
    assert after["metrics"]["actions"] == before["metrics"]["actions"] + 1


async def test_dashboard_rights(tenant: Tenant) -> None:
    await team(tenant, "team-x", "rep-a")
    await team(tenant, "team-y", "rep-b")
    api = tenant.api
    rep_a = tenant.token(Role.REP, sub="rep-a")
    manager_x = tenant.token(Role.MANAGER, sub="m", team="team-x")
    for query, variables, token in [
        (REP, {"rep": "rep-b"}, rep_a),
        (REP, {"rep": "rep-b"}, manager_x),
        (MANAGER, {"team": "team-y"}, manager_x),
        (MANAGER, {"team": "team-x"}, rep_a),
        (EXEC, {}, manager_x),
        (EXEC, {}, tenant.token(Role.AGENT)),
    ]:
        error = await api.error(query, variables, token)
        assert error["extensions"]["code"] == "FORBIDDEN", (variables, error)
    await api.gql(REP, {"rep": "rep-a"}, manager_x)
    await api.gql(REP, {"rep": "rep-a"}, rep_a)
    error = await api.error(MEMBER, {"i": {"userId": "u", "teamId": "t", "role": "REP"}}, rep_a)
    assert error["extensions"]["code"] == "FORBIDDEN"


async def test_a_repeated_read_is_served_from_the_cache(tenant: Tenant) -> None:
    await record(tenant, repId="rep-c")
    first = await tenant.api.gql(EXEC, token=tenant.token())
    with sql_statements(tenant.api) as statements:
        second = await tenant.api.gql(EXEC, token=tenant.token())
    assert second == first
    assert statements == []


@pytest.mark.parametrize("claim", ["team-u", None], ids=["team claim", "no team claim"])
async def test_a_managers_rep_dashboard_is_one_unit_of_work(
    tenant: Tenant, claim: str | None
) -> None:
    """The rep's team (the permission check) and the report are read in one transaction;
    from the cache, the check still runs (one transaction) and the report is the same.
    Without a team claim, the manager's own team is read in that same transaction."""
    await team(tenant, "team-u", "rep-u")
    member = {"userId": "boss-u", "teamId": "team-u", "role": "MANAGER"}
    await tenant.api.gql(MEMBER, {"i": member}, tenant.token())
    await record(tenant, repId="rep-u")
    manager = tenant.token(Role.MANAGER, sub="boss-u", team=claim)
    with transactions(tenant.api) as computed:
        board = (await tenant.api.gql(REP, {"rep": "rep-u"}, manager))["repDashboard"]
    assert board["metrics"]["actions"] == 1
    assert len(computed) == 1
    with transactions(tenant.api) as cached:
        again = (await tenant.api.gql(REP, {"rep": "rep-u"}, manager))["repDashboard"]
    assert again == board
    assert len(cached) == 1
    await team(tenant, "team-v", "rep-u")  # moved to another team: out of the manager's reach
    error = await tenant.api.error(REP, {"rep": "rep-u"}, manager)
    assert error["extensions"]["code"] == "FORBIDDEN"


ROWS = """query($team: String!) { managerDashboard(teamId: $team) {
  metrics { actions responseQuality { count } }
  reps { repId metrics { actions responseQuality { count meanScore } } } } }"""


async def test_rep_rows_cover_the_same_outcomes_as_the_team(tenant: Tenant) -> None:
    """rep-2 of team-a acts once for team-b and once without a team (so for team-a), and
    each outcome is rated: team-b's row for rep-2 counts only the team-b outcome's feedback;
    team-a (its members' outcomes, wherever they acted) counts both, rows and team alike."""
    await team(tenant, "team-a", "rep-2")
    for_b = await record(tenant, repId="rep-2", teamId="team-b", conversationId="b")
    own = await record(tenant, repId="rep-2", conversationId="a")
    await rate_outcome(tenant, for_b["id"], "DASHBOARD", 5)
    await rate_outcome(tenant, own["id"], "DASHBOARD", 1)
    for team_id, n, mean in (("team-b", 1, 1.0), ("team-a", 2, 0.5)):
        board = (await tenant.api.gql(ROWS, {"team": team_id}, tenant.token()))["managerDashboard"]
        [row] = board["reps"]
        assert row["repId"] == "rep-2" and row["metrics"]["actions"] == n
        assert board["metrics"]["actions"] == n
        assert row["metrics"]["responseQuality"] == {"count": n, "meanScore": mean}
        assert board["metrics"]["responseQuality"]["count"] == n
