"""History: backdated feedback (``occurredAt``) and ``importOutcomes`` of ended outcomes,
checked against a recomputation from the generated rows — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

import pytest
from scipy.stats import binomtest
from sklearn.metrics import brier_score_loss

from hindsight.domain.enums import Role
from tests.api import documents
from tests.api.factories import outcome_input, record, resolve
from tests.conftest import Tenant, sql_statements

IMPORT = f"""mutation($inputs: [ImportOutcomeInput!]!) {{ importOutcomes(inputs: $inputs) {{
  __typename ... on Outcome {{ {documents.OUTCOME_FIELDS} }}
  ... on ValidationError {{ field message }}
}} }}"""
RATE = """mutation($i: RecordFeedbackInput!) { recordFeedback(input: $i) {
  __typename ... on FeedbackEntry { id createdAt score } ... on ValidationError { field message }
} }"""
BLOCK = """actions pending positive negative ambiguous expired successRate engagementScore
  qualificationCompletionRate dealProgressionRate escalationRate
  responseQuality { count meanScore }"""
EXEC = f"""query($p: PeriodInput) {{ executiveSummary(period: $p) {{ from to
  metrics {{ {BLOCK} }} previous {{ {BLOCK} }} trend {{ day metrics {{ {BLOCK} }} }} }} }}"""
REP = f"""query($r: String!, $p: PeriodInput) {{ repDashboard(repId: $r, period: $p) {{
  metrics {{ {BLOCK} }} previous {{ {BLOCK} }} trend {{ day metrics {{ {BLOCK} }} }} }} }}"""
CURVE = "query($a: String!) { calibrationCurve(actionType: $a) { sampleCount brierScore } }"
TYPES = ["IMMEDIATE_RESPONSE", "ENGAGEMENT", "QUALIFICATION", "DEAL_PROGRESSION", "ESCALATION"]
ENDED = ["POSITIVE", "NEGATIVE", "AMBIGUOUS", "EXPIRED"]


def iso(value: dt.datetime) -> str:
    return value.isoformat()


def past(outcome: dict[str, Any], status: str, resolved_at: dt.datetime) -> dict[str, Any]:
    return {"outcome": outcome, "status": status, "resolvedAt": iso(resolved_at)}


async def import_outcomes(
    tenant: Tenant, items: list[dict[str, Any]], role: Role = Role.ADMIN
) -> list[dict[str, Any]]:
    data = await tenant.api.gql(IMPORT, {"inputs": items}, tenant.token(role))
    return list(data["importOutcomes"])


async def rate(tenant: Tenant, outcome_id: str, rating: int, at: dt.datetime | None) -> Any:
    entry = {
        "targetType": "OUTCOME",
        "targetId": outcome_id,
        "outcomeId": outcome_id,
        "source": "DASHBOARD",
        "rating": rating,
        "occurredAt": None if at is None else iso(at),
    }
    return (await tenant.api.gql(RATE, {"i": entry}, tenant.token(Role.ADMIN)))["recordFeedback"]


# --- recordFeedback.occurredAt --------------------------------------------------------------


async def test_feedback_counts_on_the_day_it_was_given(tenant: Tenant) -> None:
    now = tenant.api.clock.now
    outcome = await record(tenant, repId="rep-1")
    given = now - dt.timedelta(days=10)
    entry = await rate(tenant, outcome["id"], 5, given)
    assert entry["__typename"] == "FeedbackEntry"
    assert dt.datetime.fromisoformat(entry["createdAt"]) == given
    again = await rate(tenant, outcome["id"], 1, None)  # a re-rating keeps the first day
    assert again["id"] == entry["id"] and again["createdAt"] == entry["createdAt"]
    board = (await tenant.api.gql(REP, {"r": "rep-1"}, tenant.token()))["repDashboard"]
    by_day = {p["day"]: p["metrics"]["responseQuality"]["count"] for p in board["trend"]}
    assert by_day[given.date().isoformat()] == 1 and sum(by_day.values()) == 1
    assert board["metrics"]["responseQuality"] == {"count": 1, "meanScore": 0.0}


@pytest.mark.parametrize(
    ("offset", "message"),
    [(dt.timedelta(minutes=6), "future"), (-dt.timedelta(hours=721), "older")],
)
async def test_feedback_time_follows_the_outcome_rules(
    tenant: Tenant, offset: dt.timedelta, message: str
) -> None:
    outcome = await record(tenant)
    result = await rate(tenant, outcome["id"], 3, tenant.api.clock.now + offset)
    assert result["__typename"] == "ValidationError"
    assert result["field"] == "occurredAt" and message in result["message"]
    summary = "{ feedbackSummary { count } }"
    assert (await tenant.api.gql(summary, token=tenant.token()))["feedbackSummary"]["count"] == 0


# --- importOutcomes -------------------------------------------------------------------------


async def test_import_refuses_bad_items_one_by_one_and_keeps_the_good(tenant: Tenant) -> None:
    now = tenant.api.clock.now
    old = now - dt.timedelta(days=200)
    good = outcome_input(occurredAt=iso(old), conversationId="c-good")
    items = [
        past(good, "POSITIVE", old + dt.timedelta(hours=2)),
        past(outcome_input(conversationId="c-no-time"), "POSITIVE", old),
        past(outcome_input(occurredAt=iso(old)), "PENDING", old),
        past(outcome_input(occurredAt=iso(old)), "NEGATIVE", old - dt.timedelta(seconds=1)),
        past(outcome_input(occurredAt=iso(old), predictedConfidence=1.5), "NEGATIVE", old),
        past(outcome_input(occurredAt=iso(old)), "NEGATIVE", now + dt.timedelta(minutes=6)),
        past(outcome_input(occurredAt=iso(old)), "EXPIRED", old),
    ]
    results = await import_outcomes(tenant, items)
    assert [r["__typename"] for r in results] == ["Outcome"] + ["ValidationError"] * 6
    assert [r.get("field") for r in results[1:]] == [
        "occurredAt",
        "status",
        "resolvedAt",
        "predictedConfidence",
        "resolvedAt",
        "status",  # an IMMEDIATE_RESPONSE outcome never expires
    ]
    stored = results[0]
    assert stored["status"] == "POSITIVE" and stored["resolutionReason"] == "imported"
    assert dt.datetime.fromisoformat(stored["createdAt"]) == old
    page = await tenant.api.gql(documents.OUTCOMES, {"first": 10}, tenant.token())
    assert [e["node"]["id"] for e in page["outcomes"]["edges"]] == [stored["id"]]


async def test_only_an_admin_imports(tenant: Tenant) -> None:
    item = past(
        outcome_input(occurredAt=iso(tenant.api.clock.now)), "POSITIVE", tenant.api.clock.now
    )
    for role in (Role.AGENT, Role.ANALYST, Role.MANAGER, Role.REP):
        error = await tenant.api.error(IMPORT, {"inputs": [item]}, tenant.token(role, team="t"))
        assert error["extensions"]["code"] == "FORBIDDEN"


MEMBER = """mutation($i: TeamMemberInput!) { setTeamMember(input: $i) { userId } }"""


async def test_an_imported_outcome_takes_its_reps_team_from_the_directory(tenant: Tenant) -> None:
    """As recordOutcome does: a rep without a teamId gets the directory's team."""
    member = {"userId": "rep-dir", "teamId": "team-dir", "role": "REP"}
    await tenant.api.gql(MEMBER, {"i": member}, tenant.token())
    at = tenant.api.clock.now - dt.timedelta(days=5)
    items = [
        past(outcome_input(occurredAt=iso(at), repId="rep-dir"), "POSITIVE", at),
        past(outcome_input(occurredAt=iso(at), repId="rep-dir", teamId="other"), "NEGATIVE", at),
        past(outcome_input(occurredAt=iso(at), repId="rep-none"), "NEGATIVE", at),
    ]
    imported = await import_outcomes(tenant, items)
    assert [r["teamId"] for r in imported] == ["team-dir", "other", None]


async def test_import_is_idempotent_and_counts_once(tenant: Tenant) -> None:
    at = tenant.api.clock.now - dt.timedelta(days=50)
    items = [
        past(
            outcome_input(
                occurredAt=iso(at), idempotencyKey=f"crm-{i % 3}", predictedConfidence=0.8
            ),
            s,
            at,
        )
        for i, s in enumerate(["POSITIVE", "NEGATIVE", "POSITIVE", "NEGATIVE"])
    ]
    first = await import_outcomes(tenant, items)
    assert first[3]["id"] == first[0]["id"] and first[3]["status"] == "POSITIVE"
    second = await import_outcomes(tenant, items)
    assert [r["id"] for r in second] == [r["id"] for r in first]
    curve = await tenant.api.gql(CURVE, {"a": "send_follow_up"}, tenant.token())
    assert curve["calibrationCurve"]["sampleCount"] == 3
    assert curve["calibrationCurve"]["brierScore"] == pytest.approx(
        brier_score_loss([1, 0, 1], [0.8] * 3)
    )


# --- 90 days of history, against a recomputation ---------------------------------------------


def history(now: dt.datetime, seed: int = 11) -> list[dict[str, Any]]:
    """About 8 ended outcomes a day for 90 days, over 3 reps and 5 outcome types."""
    rng = random.Random(seed)
    items = []
    for i in range(720):
        at = now - dt.timedelta(days=90) + dt.timedelta(minutes=rng.randrange(90 * 24 * 60))
        kind = rng.choice(TYPES)
        fields = outcome_input(
            actionType=rng.choice(["book_meeting", "send_follow_up", "share_case_study"]),
            outcomeType=kind,
            predictedConfidence=round(rng.random(), 3),
            conversationId=f"h-{i}",
            dealId=f"d-{i}",
            repId=rng.choice(["rep-1", "rep-2", "rep-3"]),
            occurredAt=iso(at),
        )
        status = rng.choices(ENDED, weights=[5, 4, 1, 1])[0]
        if status == "EXPIRED" and kind != "ESCALATION":  # only escalations expire
            status = "AMBIGUOUS"
        ended = min(at + dt.timedelta(hours=rng.randrange(1, 24)), now)
        items.append(past(fields, status, ended))
    return items


def expected(items: list[dict[str, Any]], days: list[dt.date], rep: str | None) -> dict[str, Any]:
    """The metric block recomputed from the generated rows (feedback aside)."""
    chosen = [
        i
        for i in items
        if dt.datetime.fromisoformat(i["outcome"]["occurredAt"]).date() in days
        and (rep is None or i["outcome"]["repId"] == rep)
    ]
    status = Counter(i["status"] for i in chosen)

    def rate(types: set[str] | None = None) -> float | None:
        picked = [i for i in chosen if types is None or i["outcome"]["outcomeType"] in types]
        pos = sum(i["status"] == "POSITIVE" for i in picked)
        neg = sum(i["status"] == "NEGATIVE" for i in picked)
        return pos / (pos + neg) if pos + neg else None

    escalations = sum(i["outcome"]["outcomeType"] == "ESCALATION" for i in chosen)
    return {
        "actions": len(chosen),
        "pending": 0,
        "positive": status["POSITIVE"],
        "negative": status["NEGATIVE"],
        "ambiguous": status["AMBIGUOUS"],
        "expired": status["EXPIRED"],
        "successRate": rate(),
        "engagementScore": rate({"IMMEDIATE_RESPONSE", "ENGAGEMENT"}),
        "qualificationCompletionRate": rate({"QUALIFICATION"}),
        "dealProgressionRate": rate({"DEAL_PROGRESSION"}),
        "escalationRate": escalations / len(chosen) if chosen else None,
    }


def span(first: dt.date, count: int) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range(count)]


def check(got: dict[str, Any], want: dict[str, Any]) -> None:
    for key, value in want.items():
        assert got[key] == pytest.approx(value, abs=1e-12), key


async def test_ninety_days_of_history_fill_previous_periods_and_trends(tenant: Tenant) -> None:
    now = tenant.api.clock.now
    items = history(now)
    results = [
        *await import_outcomes(tenant, items[:400]),
        *await import_outcomes(tenant, items[400:]),
    ]
    assert [r for r in results if r["__typename"] != "Outcome"] == []
    today = now.date()
    # a 30-day period that ended 30 days ago: its previous period lies 60–90 days back
    first = today - dt.timedelta(days=59)
    period = {
        "from": iso(dt.datetime.combine(first, dt.time(), dt.UTC)),
        "to": iso(dt.datetime.combine(first + dt.timedelta(days=29), dt.time(12), dt.UTC)),
    }
    summary = (await tenant.api.gql(EXEC, {"p": period}, tenant.token()))["executiveSummary"]
    check(summary["metrics"], expected(items, span(first, 30), None))
    check(summary["previous"], expected(items, span(first - dt.timedelta(days=30), 30), None))
    assert [p["day"] for p in summary["trend"]] == [d.isoformat() for d in span(first, 30)]
    for point in summary["trend"]:
        check(point["metrics"], expected(items, [dt.date.fromisoformat(point["day"])], None))
    await check_coaching(tenant, items, period, span(first, 30))
    # a rep's default period (the last 30 days) and the one before it
    board = (await tenant.api.gql(REP, {"r": "rep-2"}, tenant.token()))["repDashboard"]
    last = span(today - dt.timedelta(days=29), 30)
    check(board["metrics"], expected(items, last, "rep-2"))
    check(board["previous"], expected(items, span(today - dt.timedelta(days=59), 30), "rep-2"))
    for point in board["trend"]:
        check(point["metrics"], expected(items, [dt.date.fromisoformat(point["day"])], "rep-2"))
    # calibration sums count exactly the imported POSITIVE/NEGATIVE outcomes
    decided = [i for i in items if i["status"] in ("POSITIVE", "NEGATIVE")]
    for action in {i["outcome"]["actionType"] for i in items}:
        mine = [i for i in decided if i["outcome"]["actionType"] == action]
        curve = (await tenant.api.gql(CURVE, {"a": action}, tenant.token()))["calibrationCurve"]
        assert curve["sampleCount"] == len(mine)
        assert curve["brierScore"] == pytest.approx(
            brier_score_loss(
                [i["status"] == "POSITIVE" for i in mine],
                [i["outcome"]["predictedConfidence"] for i in mine],
            ),
            abs=1e-9,
        )


TOP = """query($p: PeriodInput) { topPerformingActions(period: $p, limit: 10) {
  subject successRate sampleSize confidence } }"""


async def check_coaching(
    tenant: Tenant, items: list[dict[str, Any]], period: dict[str, str], days: list[dt.date]
) -> None:
    """Every action type's success rate, sample size and Wilson lower bound in the period."""
    top = (await tenant.api.gql(TOP, {"p": period}, tenant.token()))["topPerformingActions"]
    assert len(top) == 3
    for pattern in top:
        mine = [
            i
            for i in items
            if i["outcome"]["actionType"] == pattern["subject"]
            and dt.datetime.fromisoformat(i["outcome"]["occurredAt"]).date() in days
            and i["status"] in ("POSITIVE", "NEGATIVE")
        ]
        pos = sum(i["status"] == "POSITIVE" for i in mine)
        assert (pattern["sampleSize"], pattern["successRate"]) == (len(mine), pos / len(mine))
        low = binomtest(pos, len(mine)).proportion_ci(method="wilson").low
        assert pattern["confidence"] == pytest.approx(low, abs=1e-12)


async def test_backdated_feedback_fills_the_previous_period(tenant: Tenant) -> None:
    now = tenant.api.clock.now
    today = now.date()
    at = now - dt.timedelta(days=20)
    [outcome] = await import_outcomes(
        tenant,
        [
            past(
                outcome_input(repId="rep-1", occurredAt=iso(at - dt.timedelta(days=40))),
                "POSITIVE",
                at,
            )
        ],
    )
    await rate(tenant, outcome["id"], 4, at)
    first = today - dt.timedelta(days=14)
    period = {"from": iso(dt.datetime.combine(first, dt.time(), dt.UTC)), "to": iso(now)}
    board = (await tenant.api.gql(REP, {"r": "rep-1", "p": period}, tenant.token()))["repDashboard"]
    # feedback counts on the day it was given (20 days ago: in the previous 15 days) ...
    assert board["previous"]["responseQuality"] == {"count": 1, "meanScore": 0.75}
    assert board["metrics"]["responseQuality"]["count"] == 0
    # ... while its outcome counts on the day the agent acted (60 days ago: neither)
    assert board["previous"]["actions"] == 0 and board["metrics"]["actions"] == 0


def _first_writes(statements: list[str]) -> list[str]:
    """The summary tables in the order a unit of work first writes them."""
    order: list[str] = []
    for sql in statements:
        for table in ("outcome_rollups", "calibration_bins"):
            if f"INSERT INTO {table}" in sql and table not in order:
                order.append(table)
    return order


async def test_an_import_locks_summary_rows_in_the_resolutions_order(tenant: Tenant) -> None:
    """Rollups, then calibration bins, as a resolution writes them: an import racing a
    resolution can never hold one's row while waiting for the other's."""
    now = tenant.api.clock.now
    item = past(outcome_input(occurredAt=iso(now - dt.timedelta(days=2))), "POSITIVE", now)
    with sql_statements(tenant.api) as imported:
        assert (await import_outcomes(tenant, [item]))[0]["__typename"] == "Outcome"
    pending = await record(tenant)
    with sql_statements(tenant.api) as resolved:
        assert (await resolve(tenant, pending["id"], "POSITIVE"))["__typename"] == "Outcome"
    assert _first_writes(resolved) == ["outcome_rollups", "calibration_bins"]
    assert _first_writes(imported) == _first_writes(resolved)
