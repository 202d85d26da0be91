"""Coaching patterns through GraphQL: planted patterns are found, Wilson bounds match a hand
computation, rights and tenants hold — on SQLite and on PostgreSQL + Redis."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Sequence
from typing import Any

import pytest
from scipy.stats import binomtest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db.models import FeedbackEntry
from hindsight.demo.simulation import load_demo
from hindsight.domain.access import Scope
from hindsight.domain.enums import FeedbackSource, FeedbackTarget, OutcomeStatus, OutcomeType, Role
from hindsight.domain.feedback import ratings as feedback
from hindsight.domain.outcomes import lookup as outcomes
from tests.api import documents
from tests.api.factories import record
from tests.conftest import Tenant, sql_statements

FIELDS = """kind subject description successRate sampleSize confidence recommendation evidence
  pValue adjustedPValue restRate testsInFamily"""
COACHING = f"""query($p: PeriodInput, $m: Int) {{
  coachingPatterns(period: $p, minSamples: $m) {{ {FIELDS} }} }}"""
ESCALATIONS = f"query($p: PeriodInput) {{ escalationPatterns(period: $p) {{ {FIELDS} }} }}"
TOP = f"""query($p: PeriodInput, $l: Int) {{
  topPerformingActions(period: $p, limit: $l) {{ {FIELDS} }} }}"""
AREAS = f"query($p: PeriodInput) {{ improvementAreas(period: $p) {{ {FIELDS} }} }}"
QUERIES = {
    "coachingPatterns": COACHING,
    "escalationPatterns": ESCALATIONS,
    "topPerformingActions": TOP,
    "improvementAreas": AREAS,
}
Z = 1.959963984540054
P, N, A = OutcomeStatus.POSITIVE, OutcomeStatus.NEGATIVE, OutcomeStatus.AMBIGUOUS


async def seed(
    tenant: Tenant,
    action: str,
    statuses: Sequence[OutcomeStatus | None],
    *,
    kind: OutcomeType = OutcomeType.IMMEDIATE_RESPONSE,
    confidence: float = 0.6,
    trigger: str | None = None,
    ratings: Sequence[int] = (),
    at: dt.datetime | None = None,
) -> None:
    """Volume through the domain in one transaction: one outcome per status (None stays
    pending), resolved explicitly; the first ``len(ratings)`` get a DASHBOARD rating 1..5."""
    services = tenant.api.services
    now = at or services.now()

    async def work(session: AsyncSession) -> None:
        for i, status in enumerate(statuses):
            new = outcomes.NewOutcome(
                action_type=action,
                outcome_type=kind,
                predicted_confidence=confidence,
                conversation_id=f"{action}-{i}-{uuid.uuid4().hex[:6]}",
                metadata={"trigger": trigger} if trigger else None,
            )
            row = await outcomes.record_outcome(
                session, tenant.id, new, rules=services.rules, now=now
            )
            if status is not None:
                await outcomes.resolve_outcome(
                    session, tenant.id, str(row.id), status, None, now=now
                )
            if i < len(ratings):
                await _rate(session, tenant, str(row.id), ratings[i], now)

    await services.db.run(tenant.id, work)


async def _rate(
    session: AsyncSession,
    tenant: Tenant,
    outcome_id: str,
    rating: int,
    now: dt.datetime,
    reviewer: str = "ann",
) -> None:
    new = feedback.NewFeedback(
        target_type=FeedbackTarget.OUTCOME,
        target_id=outcome_id,
        source=FeedbackSource.DASHBOARD,
        rating=rating,
        outcome_id=outcome_id,
    )
    await feedback.record_feedback(
        session,
        tenant.id,
        new,
        reviewer_id=reviewer,
        reviewer_role=Role.ANALYST,
        scope=Scope(),
        now=now,
    )


async def ask(
    tenant: Tenant, name: str, role: Role = Role.ANALYST, **variables: Any
) -> list[dict[str, Any]]:
    data = await tenant.api.gql(QUERIES[name], variables, tenant.token(role, team="team-x"))
    found: list[dict[str, Any]] = data[name]
    return found


def by(patterns: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {p["subject"]: p for p in patterns if p["kind"] == kind}


async def plant(tenant: Tenant) -> None:
    """A strong action (80/100), an ordinary one (50/100), a weak ENGAGEMENT action the agent
    is over-confident about (9/50), a 3-for-3 action, and two escalation triggers: legal_review
    helped 3 of 20 times, pricing_question 16 of 20."""
    await seed(tenant, "send_case_study", [P] * 80 + [N] * 20)
    await seed(tenant, "send_follow_up", [P] * 50 + [N] * 50 + [A] * 5 + [None] * 5)
    await seed(
        tenant, "propose_meeting", [P] * 9 + [N] * 41, kind=OutcomeType.ENGAGEMENT, confidence=0.8
    )
    await seed(tenant, "send_video_intro", [P] * 3)
    esc = OutcomeType.ESCALATION
    await seed(tenant, "escalate_to_human", [P] * 3 + [N] * 17, kind=esc, trigger="legal_review")
    await seed(
        tenant, "escalate_to_human", [P] * 16 + [N] * 4, kind=esc, trigger="pricing_question"
    )


async def test_planted_patterns_are_found(tenant: Tenant) -> None:
    await plant(tenant)

    top = await ask(tenant, "topPerformingActions")
    assert [p["subject"] for p in top][:2] == ["send_case_study", "send_video_intro"]
    assert top[0]["confidence"] == top[0]["evidence"]["wilsonLow"]
    assert top[0]["recommendation"].startswith("Lean on send_case_study")
    assert top[1]["successRate"] == 1.0 and top[1]["sampleSize"] == 3  # 3/3 ranks below 80/100

    areas = by(await ask(tenant, "improvementAreas"), "LOW_SUCCESS")
    assert set(areas) == {"propose_meeting"}  # escalate_to_human: 19 of 40, not below 40%
    weak = areas["propose_meeting"]
    assert weak["successRate"] == 9 / 50 and weak["evidence"]["wilsonHigh"] < 0.5
    assert "states 80.0%" in weak["recommendation"]  # over-confident: a rep approves first

    triggers = by(await ask(tenant, "escalationPatterns"), "ESCALATION_TRIGGER")
    legal, pricing = triggers["legal_review"], triggers["pricing_question"]
    assert legal["evidence"]["helpfulness"] == "UNHELPFUL"
    assert legal["recommendation"].startswith("Stop escalating on legal_review")
    assert legal["evidence"]["fires"] == 20 and legal["evidence"]["shareOfEscalations"] == 0.5
    assert legal["evidence"]["calibration"] == "OVER_CONFIDENT"  # states 60%, helps 15%
    assert "over-confident" in legal["description"]
    assert pricing["evidence"]["helpfulness"] == "HELPFUL"


async def test_coaching_patterns_compare_actions_and_outcome_types(tenant: Tenant) -> None:
    await plant(tenant)
    found = await ask(tenant, "coachingPatterns")
    actions = by(found, "ACTION_EFFECTIVENESS")
    assert "send_video_intro" not in actions  # 3 < minSamples
    assert actions["send_case_study"]["evidence"]["verdict"] == "ABOVE"
    assert actions["propose_meeting"]["evidence"]["verdict"] == "BELOW"
    strong = actions["send_case_study"]
    assert strong["evidence"]["testsInFamily"] == 4
    assert strong["confidence"] == pytest.approx(1 - strong["evidence"]["adjustedPValue"])
    assert strong["evidence"]["restRate"] == (50 + 9 + 3 + 19) / (100 + 50 + 3 + 40)
    # the typed fields carry the same numbers, recomputable from the schema's formulas
    rest_s, rest_n = 50 + 9 + 3 + 19, 100 + 50 + 3 + 40
    assert strong["restRate"] == rest_s / rest_n and strong["testsInFamily"] == 4
    pooled = (80 + rest_s) / (100 + rest_n)
    z = (0.8 - rest_s / rest_n) / math.sqrt(pooled * (1 - pooled) * (1 / 100 + 1 / rest_n))
    assert strong["pValue"] == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), rel=1e-12)
    assert strong["pValue"] == strong["evidence"]["pValue"]
    family = sorted(p["pValue"] for p in actions.values())
    rank = family.index(strong["pValue"]) + 1
    bh = min(min(4 * family[j] / (j + 1) for j in range(rank - 1, 4)), 1.0)
    assert strong["adjustedPValue"] == pytest.approx(bh, rel=1e-12)
    assert strong["confidence"] == pytest.approx(1 - strong["adjustedPValue"])
    for other in (*by(found, "LOW_SUCCESS").values(), *by(found, "FEEDBACK_MISMATCH").values()):
        assert other["pValue"] is None and other["testsInFamily"] is None
    kinds = by(found, "OUTCOME_TYPE")
    assert kinds["IMMEDIATE_RESPONSE"]["description"].startswith("The agent wins on")
    assert kinds["ENGAGEMENT"]["description"].startswith("The agent loses on")
    assert "propose_meeting" in by(found, "LOW_SUCCESS")
    assert all("confidenceMeasure" in p["evidence"] for p in found)
    assert by(await ask(tenant, "coachingPatterns", m=101), "ACTION_EFFECTIVENESS") == {}


async def test_wilson_bounds_match_a_hand_computation(tenant: Tenant) -> None:
    """7 POSITIVE, 3 NEGATIVE, 1 AMBIGUOUS, 1 PENDING recorded and resolved through the API."""
    agent = tenant.token(Role.AGENT)
    for i, status in enumerate(["POSITIVE"] * 7 + ["NEGATIVE"] * 3 + ["AMBIGUOUS", None]):
        created = await record(tenant, conversationId=f"c-{i}")
        if status:
            variables = {"input": {"outcomeId": created["id"], "status": status}}
            await tenant.api.gql(documents.RESOLVE, variables, agent)

    n, phat = 10, 0.7
    denom = 1 + Z * Z / n
    center = (phat + Z * Z / (2 * n)) / denom
    half = Z * math.sqrt(phat * (1 - phat) / n + Z * Z / (4 * n * n)) / denom
    reference = binomtest(7, 10).proportion_ci(confidence_level=0.95, method="wilson")

    [top] = await ask(tenant, "topPerformingActions")
    proof = top["evidence"]
    assert (top["successRate"], top["sampleSize"]) == (0.7, 10)
    assert proof["wilsonLow"] == pytest.approx(center - half, abs=1e-9)
    assert proof["wilsonHigh"] == pytest.approx(center + half, abs=1e-9)
    assert proof["wilsonLow"] == pytest.approx(reference.low, abs=1e-9)
    assert proof["wilsonHigh"] == pytest.approx(reference.high, abs=1e-9)
    assert top["confidence"] == proof["wilsonLow"]
    assert proof["counts"] == {
        "PENDING": 1, "POSITIVE": 7, "NEGATIVE": 3, "AMBIGUOUS": 1, "EXPIRED": 0
    }  # fmt: skip
    assert proof["meanPredictedConfidence"] == pytest.approx(0.7)
    effect = by(await ask(tenant, "coachingPatterns", m=10), "ACTION_EFFECTIVENESS")
    assert effect["send_follow_up"]["evidence"]["wilsonLow"] == proof["wilsonLow"]


async def test_feedback_that_disagrees_with_outcomes(tenant: Tenant) -> None:
    """Rated 5/5 but 5 of 25 work; rated 1/5 but 18 of 22 work; each with 20 ratings."""
    await seed(tenant, "send_breakup_email", [P] * 5 + [N] * 20, confidence=0.3, ratings=[5] * 20)
    await seed(tenant, "send_meme", [P] * 18 + [N] * 4, confidence=0.8, ratings=[1] * 20)
    await seed(tenant, "send_agenda", [P] * 5 + [N] * 20, ratings=[5] * 19)  # too few ratings
    mismatches = by(await ask(tenant, "coachingPatterns"), "FEEDBACK_MISMATCH")
    assert set(mismatches) == {"send_breakup_email", "send_meme"}
    liked, disliked = mismatches["send_breakup_email"], mismatches["send_meme"]
    assert liked["evidence"]["verdict"] == "WELL_RATED_FAILING"
    assert (liked["evidence"]["feedbackMean"], liked["evidence"]["feedbackCount"]) == (1.0, 20)
    assert "mean score 1.00 over 20 ratings" in liked["description"]
    assert disliked["evidence"]["verdict"] == "POORLY_RATED_WORKING"
    assert disliked["confidence"] == disliked["evidence"]["wilsonLow"]
    areas = by(await ask(tenant, "improvementAreas"), "LOW_SUCCESS")
    assert areas["send_breakup_email"]["recommendation"].startswith(
        "Reviewers rate send_breakup_email well"
    )


EXEC_QUALITY = """query($p: PeriodInput) { executiveSummary(period: $p) {
  metrics { responseQuality { count meanScore } } } }"""


async def test_feedback_counts_on_the_day_it_was_given_as_on_dashboards(tenant: Tenant) -> None:
    """Acted on and rated 5/5 twenty days ago; rated 1/5 again (another reviewer) five days
    ago: the period around the action sees only the first ratings, like the dashboards."""
    now = tenant.api.clock.now
    acted = now - dt.timedelta(days=20)
    await seed(tenant, "send_breakup_email", [P] * 5 + [N] * 20, ratings=[5] * 20, at=acted)
    later = now - dt.timedelta(days=5)

    async def rate_again(session: AsyncSession) -> None:
        rated = await session.scalars(
            select(FeedbackEntry.outcome_id).where(FeedbackEntry.tenant_id == tenant.id)
        )
        for outcome_id in list(rated):
            await _rate(session, tenant, str(outcome_id), 1, later, reviewer="bob")

    await tenant.api.services.db.run(tenant.id, rate_again)
    day = acted.date()
    period = {"from": f"{day - dt.timedelta(days=2)}T00:00:00Z", "to": f"{day}T23:00:00Z"}
    [pattern] = by(await ask(tenant, "coachingPatterns", p=period), "FEEDBACK_MISMATCH").values()
    assert (pattern["evidence"]["feedbackCount"], pattern["evidence"]["feedbackMean"]) == (20, 1.0)
    summary = await tenant.api.gql(EXEC_QUALITY, {"p": period}, tenant.token(Role.ANALYST))
    quality = summary["executiveSummary"]["metrics"]["responseQuality"]
    assert quality == {"count": 20, "meanScore": 1.0}


async def test_empty_periods_give_empty_lists(tenant: Tenant) -> None:
    for name in QUERIES:
        assert await ask(tenant, name) == []
    await seed(tenant, "send_case_study", [P] * 30)
    past = {"from": "2020-01-01T00:00:00Z", "to": "2020-01-31T00:00:00Z"}
    for name in QUERIES:
        assert await ask(tenant, name, p=past) == []


async def test_the_period_is_a_range_of_utc_days(tenant: Tenant) -> None:
    now = tenant.api.clock.now
    old = (now - dt.timedelta(days=40)).replace(hour=1, minute=0, second=0, microsecond=0)
    await seed(tenant, "old_action", [P] * 4, at=old)
    await seed(tenant, "new_action", [P] * 2 + [N] * 2)
    assert [p["subject"] for p in await ask(tenant, "topPerformingActions")] == ["new_action"]
    late_that_day = {"from": (old + dt.timedelta(hours=22)).isoformat(), "to": now.isoformat()}
    subjects = {p["subject"] for p in await ask(tenant, "topPerformingActions", p=late_that_day)}
    assert subjects == {"old_action", "new_action"}  # the whole first day counts
    next_day = {"from": (old + dt.timedelta(days=1)).isoformat(), "to": now.isoformat()}
    subjects = {p["subject"] for p in await ask(tenant, "topPerformingActions", p=next_day)}
    assert subjects == {"new_action"}


@pytest.mark.parametrize("role", [Role.REP, Role.AGENT])
@pytest.mark.parametrize("name", list(QUERIES))
async def test_reps_and_the_agent_are_forbidden(tenant: Tenant, role: Role, name: str) -> None:
    error = await tenant.api.error(QUERIES[name], token=tenant.token(role, sub="rep-a"))
    assert error["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize("role", [Role.MANAGER, Role.EXECUTIVE, Role.ANALYST, Role.ADMIN])
async def test_every_coaching_role_sees_the_tenant(tenant: Tenant, role: Role) -> None:
    """A MANAGER sees the tenant-wide patterns, including other teams' outcomes."""
    await seed(tenant, "send_case_study", [P] * 3)
    [top] = await ask(tenant, "topPerformingActions", role=role)
    assert top["sampleSize"] == 3


async def plant_a_little(tenant: Tenant) -> dict[str, dict[str, Any]]:
    """Enough for every query to answer with minSamples 5; returns each query's variables."""
    await seed(tenant, "send_case_study", [P] * 8 + [N] * 2)
    await seed(tenant, "propose_meeting", [N] * 10)
    await seed(tenant, "escalate_to_human", [P, N, N], kind=OutcomeType.ESCALATION, trigger="x")
    return {name: {"m": 5} if name == "coachingPatterns" else {} for name in QUERIES}


async def test_another_tenant_sees_nothing(tenant: Tenant) -> None:
    variables = await plant_a_little(tenant)
    other = Tenant(uuid.uuid4(), tenant.api)
    for name in QUERIES:
        assert await ask(tenant, name, **variables[name])
        assert await ask(other, name, **variables[name]) == []


async def test_a_write_shows_up_at_once(tenant: Tenant) -> None:
    await seed(tenant, "send_case_study", [P] * 3)
    first = await ask(tenant, "topPerformingActions")
    with sql_statements(tenant.api) as statements:
        assert await ask(tenant, "topPerformingActions") == first
    assert statements == []  # served from the cache
    await seed(tenant, "send_follow_up", [N])
    assert len(await ask(tenant, "topPerformingActions")) == 2


async def test_reads_are_grouped_in_sql(tenant: Tenant) -> None:
    variables = await plant_a_little(tenant)
    with sql_statements(tenant.api) as statements:
        for name in QUERIES:
            assert await ask(tenant, name, **variables[name])
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    coaching = [s for s in reads if "outcome_rollups" in s or "outcome_records" in s]
    assert coaching and all("GROUP BY" in s for s in coaching)


@pytest.mark.parametrize(
    ("name", "variables", "field"),
    [
        ("coachingPatterns", {"m": 0}, "minSamples"),
        ("topPerformingActions", {"l": 0}, "limit"),
        ("topPerformingActions", {"l": 101}, "limit"),
        ("improvementAreas", {"p": {"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}},
         "period"),
    ],
)  # fmt: skip
async def test_bad_arguments(
    tenant: Tenant, name: str, variables: dict[str, Any], field: str
) -> None:
    error = await tenant.api.error(QUERIES[name], variables, tenant.token(Role.ANALYST))
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}


async def test_the_demo_plants_its_patterns(tenant: Tenant) -> None:
    await load_demo(tenant.api.services, tenant=tenant.id, n=60, seed=7)
    top = await ask(tenant, "topPerformingActions")
    assert top[0]["subject"] == "send_case_study"
    assert "send_video_intro" in [p["subject"] for p in top[1:]]
    assert "send_discount_offer" in by(await ask(tenant, "improvementAreas"), "LOW_SUCCESS")
    triggers = by(await ask(tenant, "escalationPatterns"), "ESCALATION_TRIGGER")
    assert triggers["legal_review"]["evidence"]["helpfulness"] == "UNHELPFUL"
