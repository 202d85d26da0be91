"""feedbackSummary against hand-computed numbers, and shouldRequestFeedback at its boundaries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from hindsight.demo.simulation import TEAMS, load_demo
from hindsight.domain.enums import Role
from tests.api.factories import record
from tests.api.test_feedback import rate
from tests.conftest import Tenant, transactions

SUMMARY = """
query S($f: FeedbackFilter) {
  feedbackSummary(filter: $f) {
    from to count meanScore distribution { source rating count }
    trend { day count meanScore } byTargetType byTag
  }
}"""
SHOULD = "query Q($r: String!) { shouldRequestFeedback(reviewerId: $r) }"
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


async def _five_entries(tenant: Tenant) -> None:
    """Scores 1, 0.75 on 9 March; 0.25, 0.5, 0 on 10 March (see the test for the sums)."""
    clock, ann = tenant.api.clock, tenant.token(Role.ANALYST, sub="ann")
    clock.now = NOW - dt.timedelta(days=1, hours=2)
    a = await record(tenant, repId="rep-1", actionType="send_follow_up")
    b = await record(tenant, repId="rep-2", actionType="propose_meeting")
    await rate(tenant, ann, targetId="m1", outcomeId=a["id"], tags=["tone", "timing"])
    await rate(
        tenant,
        None,
        targetType="DECISION",
        targetId="d1",
        outcomeId=a["id"],
        source="DASHBOARD",
        rating=4,
        tags=["timing"],
    )
    clock.now = NOW - dt.timedelta(hours=3)
    await rate(
        tenant,
        ann,
        targetType="OUTCOME",
        targetId=b["id"],
        outcomeId=b["id"],
        source="DASHBOARD",
        rating=2,
        tags=["tone"],
    )
    await rate(
        tenant,
        tenant.token(Role.MANAGER, sub="mgr", team="t"),
        targetType="CONVERSATION",
        targetId="conv-x",
        conversationId=None,
        rating=0,
    )
    await rate(tenant, ann, targetId="m2", outcomeId=b["id"], rating=-1, tags=["tone"])
    clock.now = NOW


async def summary(tenant: Tenant, **flt: Any) -> dict[str, Any]:
    data = await tenant.api.gql(SUMMARY, {"f": flt or None}, tenant.token(Role.EXECUTIVE))
    return data["feedbackSummary"]


async def test_summary_matches_hand_computed_numbers(tenant: Tenant) -> None:
    await _five_entries(tenant)
    got = await summary(tenant)
    assert (got["count"], got["meanScore"]) == (5, pytest.approx(2.5 / 5))
    # the 30 whole UTC days ending today, as dashboards: from the first midnight to the next
    assert dt.datetime.fromisoformat(got["from"]) == dt.datetime(2026, 2, 9, tzinfo=dt.UTC)
    assert dt.datetime.fromisoformat(got["to"]) == dt.datetime(2026, 3, 11, tzinfo=dt.UTC)
    counts = {(d["source"], d["rating"]): d["count"] for d in got["distribution"]}
    assert counts == {
        ("INLINE", -1): 1,
        ("INLINE", 0): 1,
        ("INLINE", 1): 1,
        ("DASHBOARD", 1): 0,
        ("DASHBOARD", 2): 1,
        ("DASHBOARD", 3): 0,
        ("DASHBOARD", 4): 1,
        ("DASHBOARD", 5): 0,
    }
    assert len(got["trend"]) == 30 and got["trend"][0] == {
        "day": "2026-02-09",
        "count": 0,
        "meanScore": None,
    }
    assert got["trend"][-2:] == [
        {"day": "2026-03-09", "count": 2, "meanScore": pytest.approx(1.75 / 2)},
        {"day": "2026-03-10", "count": 3, "meanScore": pytest.approx(0.75 / 3)},
    ]
    assert got["byTargetType"] == {
        "CONVERSATION": {"count": 1, "meanScore": 0.5},
        "DECISION": {"count": 1, "meanScore": 0.75},
        "MESSAGE": {"count": 2, "meanScore": 0.5},
        "OUTCOME": {"count": 1, "meanScore": 0.25},
    }
    assert got["byTag"] == {
        "timing": {"count": 2, "meanScore": pytest.approx(0.875)},
        "tone": {"count": 3, "meanScore": pytest.approx(1.25 / 3)},
    }


@pytest.mark.parametrize(
    ("flt", "count", "mean"),
    [
        ({"reviewerId": "ann"}, 3, 1.25 / 3),
        ({"repId": "rep-1"}, 2, 0.875),
        ({"actionType": "propose_meeting"}, 2, 0.125),
        ({"targetType": "MESSAGE"}, 2, 0.5),
        (
            {"period": {"from": "2026-03-10T00:00:00+00:00", "to": "2026-03-10T23:59:59+00:00"}},
            3,
            0.25,
        ),
        ({"reviewerId": "nobody"}, 0, None),
    ],
)
async def test_summary_filters(
    tenant: Tenant, flt: dict[str, Any], count: int, mean: float | None
) -> None:
    await _five_entries(tenant)
    got = await summary(tenant, **flt)
    assert (got["count"], got["meanScore"]) == (count, pytest.approx(mean))


async def test_a_period_ending_before_it_starts_is_refused(tenant: Tenant) -> None:
    period = {"from": "2026-03-10T00:00:00+00:00", "to": "2026-03-01T00:00:00+00:00"}
    error = await tenant.api.error(SUMMARY, {"f": {"period": period}}, tenant.token())
    assert (error["extensions"]["code"], error["extensions"]["field"]) == (
        "BAD_USER_INPUT",
        "period",
    )


async def should(tenant: Tenant, reviewer: str, token: str | None = None) -> bool:
    data = await tenant.api.gql(SHOULD, {"r": reviewer}, token or tenant.token(Role.ADMIN))
    return bool(data["shouldRequestFeedback"])


async def test_more_than_the_daily_cap_is_fatigue(tenant: Tenant) -> None:
    heavy = tenant.token(Role.REP, sub="heavy")
    for i in range(50):
        await rate(tenant, heavy, targetId=f"m-{i}")
    assert await should(tenant, "heavy", heavy) is True  # 50 is the cap, not over it
    await rate(tenant, heavy, targetId="m-50")
    assert await should(tenant, "heavy", heavy) is False
    tenant.api.clock.advance(hours=24)  # exactly a day later they are history: mean 51/14
    assert await should(tenant, "heavy") is True
    error = await tenant.api.error(SHOULD, {"r": "someone-else"}, heavy)
    assert error["extensions"]["code"] == "FORBIDDEN"


MEMBER = """mutation($i: TeamMemberInput!) { setTeamMember(input: $i) { userId } }"""


@pytest.mark.parametrize("claim", ["team-f", None], ids=["team claim", "no team claim"])
async def test_a_managers_question_is_one_unit_of_work(tenant: Tenant, claim: str | None) -> None:
    """The directory reads behind a MANAGER's reach (their team, the rep's) share the
    answer's transaction; a rep outside the team stays FORBIDDEN."""
    for user, team_id, role in [("rep-f", "team-f", "REP"), ("boss-f", "team-f", "MANAGER")]:
        member = {"userId": user, "teamId": team_id, "role": role}
        await tenant.api.gql(MEMBER, {"i": member}, tenant.token())
    manager = tenant.token(Role.MANAGER, sub="boss-f", team=claim)
    with transactions(tenant.api) as begun:
        assert await should(tenant, "rep-f", manager) is True
    assert len(begun) == 1
    error = await tenant.api.error(SHOULD, {"r": "rep-elsewhere"}, manager)
    assert error["extensions"]["code"] == "FORBIDDEN"


async def test_doubling_the_fourteen_day_mean_is_fatigue(tenant: Tenant) -> None:
    clock, token = tenant.api.clock, tenant.token(Role.MANAGER, sub="steady", team="t")
    now = clock.now
    clock.now = now - dt.timedelta(days=14, hours=12)
    for day in range(14):  # one a day: a mean of exactly 1
        await rate(tenant, token, targetId=f"old-{day}")
        clock.advance(days=1)
    clock.now = now
    await rate(tenant, token, targetId="today-1")
    assert await should(tenant, "steady") is True  # 1 < 2 * 1
    await rate(tenant, token, targetId="today-2")
    assert await should(tenant, "steady") is False  # 2 >= 2 * 1
    assert await should(tenant, "never-rated") is True  # no history: no doubling rule


async def test_the_demo_rates_its_outcomes_and_shows_fatigue(tenant: Tenant) -> None:
    await load_demo(tenant.api.services, tenant=tenant.id, n=80, seed=3)
    got = await summary(tenant)
    assert got["count"] > 55 and got["byTag"]
    assert await should(tenant, "mgr-east") is False  # over the daily cap
    reps = [rep for members in TEAMS.values() for rep in members]
    assert False in [await should(tenant, rep) for rep in reps]  # doubled their mean
    assert await should(tenant, "analyst-nobody") is True


EXEC_QUALITY = """query($p: PeriodInput) { executiveSummary(period: $p) {
  metrics { responseQuality { count meanScore } } } }"""


async def test_a_period_means_the_same_days_as_on_the_dashboards(tenant: Tenant) -> None:
    """From 9 March 20:00 (after the two entries of that morning) to 10 March noon: whole
    UTC days, so both days count, in feedbackSummary as in executiveSummary."""
    await _five_entries(tenant)
    tenant.api.clock.now = NOW
    period = {"from": "2026-03-09T20:00:00+00:00", "to": NOW.isoformat()}
    got = await summary(tenant, period=period)
    assert (got["count"], len(got["trend"])) == (5, 2)
    data = await tenant.api.gql(EXEC_QUALITY, {"p": period}, tenant.token(Role.EXECUTIVE))
    quality = data["executiveSummary"]["metrics"]["responseQuality"]
    assert quality == {"count": got["count"], "meanScore": pytest.approx(got["meanScore"])}
