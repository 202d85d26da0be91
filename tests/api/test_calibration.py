"""Calibration through the front door: curves against scikit-learn, runCalibration,
calibratedConfidence, roles and tenants — on SQLite and on PostgreSQL + Redis."""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from typing import Any

import numpy as np
import pytest
from scipy.stats import binomtest
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss
from sqlalchemy import delete, update

from hindsight.db.models import CalibrationBin
from hindsight.domain import events
from hindsight.domain.enums import Role
from hindsight.services import channel
from hindsight.workers.calibration_jobs import run_calibration_job
from hindsight.workers.scheduler import schedule
from tests.api import documents
from tests.api.factories import record
from tests.conftest import Api, Tenant

CURVE_FIELDS = """
  actionType sampleCount brierScore ece mce weightedGap calibratedGap multiplier updatedAt
  bins { index lower upper count meanPredicted observedRate gap wilsonLow wilsonHigh }
  adjustments { at oldMultiplier newMultiplier gap calibratedGap brierScore sampleCount }
"""
CURVE = f"query C($a: String!) {{ calibrationCurve(actionType: $a) {{ {CURVE_FIELDS} }} }}"
CURVES = f"{{ calibrationCurves {{ {CURVE_FIELDS} }} }}"
RUN = f"""mutation R($a: String) {{ runCalibration(actionType: $a) {{
  {CURVE_FIELDS} drift {{ bin index field stored recomputed }} }} }}"""
CALIBRATED = """
query Q($a: String!, $c: Float!, $m: CalibrationMethod) {
  calibratedConfidence(actionType: $a, confidence: $c, method: $m) {
    actionType rawConfidence confidence method multiplier observedRate wilsonLow wilsonHigh
    sampleCount sufficientData
  }
}
"""
EDGES = [0.0, 0.1, 0.3, 0.7, 1.0]


async def resolved(tenant: Tenant, action: str, cases: list[tuple[float, str]]) -> None:
    """Record each (confidence, status) as the agent and resolve it explicitly."""
    agent = tenant.token(Role.AGENT)

    for i, (p, status) in enumerate(cases):  # one at a time: SQLite has a single writer
        created = await record(
            tenant, actionType=action, predictedConfidence=p, conversationId=f"{action}-{i}"
        )
        result = await tenant.api.gql(
            documents.RESOLVE, {"input": {"outcomeId": created["id"], "status": status}}, agent
        )
        assert result["resolveOutcome"]["status"] == status


def labelled(p: list[float], y: list[int]) -> list[tuple[float, str]]:
    return [(pi, "POSITIVE" if yi else "NEGATIVE") for pi, yi in zip(p, y, strict=True)]


async def curve(tenant: Tenant, action: str, role: Role = Role.ANALYST) -> dict[str, Any]:
    data = await tenant.api.gql(CURVE, {"a": action}, tenant.token(role))
    return data["calibrationCurve"]


async def run(tenant: Tenant, action: str | None = None) -> list[dict[str, Any]]:
    return (await tenant.api.gql(RUN, {"a": action}, tenant.token(Role.ADMIN)))["runCalibration"]


async def calibrated(
    tenant: Tenant, action: str, c: float, method: str | None = None
) -> dict[str, Any]:
    variables = {"a": action, "c": c, "m": method}
    data = await tenant.api.gql(CALIBRATED, variables, tenant.token(Role.AGENT))
    return data["calibratedConfidence"]


async def test_curve_matches_scikit_learn(tenant: Tenant) -> None:
    rng = np.random.default_rng(7)
    p = [*EDGES, *EDGES, *rng.random(70).round(6).tolist()]
    y = (rng.random(len(p)) < np.asarray(p)).astype(int).tolist()
    await resolved(tenant, "send_follow_up", labelled(p, y))
    await resolved(tenant, "send_follow_up", [(0.95, "AMBIGUOUS"), (0.05, "AMBIGUOUS")])
    got = await curve(tenant, "send_follow_up")

    ref_true, ref_pred = calibration_curve(y, p, n_bins=10, strategy="uniform")
    filled = [b for b in got["bins"] if b["count"]]
    assert len(got["bins"]) == 10 and len(filled) == len(ref_true)
    for b, t, m in zip(filled, ref_true, ref_pred, strict=True):
        assert b["observedRate"] == pytest.approx(t, abs=1e-9)
        assert b["meanPredicted"] == pytest.approx(m, abs=1e-9)
        assert b["gap"] == pytest.approx(m - t, abs=1e-9)
    assert got["brierScore"] == pytest.approx(brier_score_loss(y, p), abs=1e-9)
    assert got["sampleCount"] == len(p)  # AMBIGUOUS resolutions do not count
    counts = np.bincount(np.searchsorted(np.linspace(0, 1, 11)[1:-1], p), minlength=10)
    assert [b["count"] for b in got["bins"]] == counts.tolist()
    gaps = np.abs(ref_pred - ref_true)
    assert got["ece"] == pytest.approx(float(np.sum(counts[counts > 0] / len(p) * gaps)))
    assert got["mce"] == pytest.approx(float(gaps.max()))
    assert got["multiplier"] == 1.0 and got["adjustments"] == []


async def test_empty_bins_and_unseen_action_types(tenant: Tenant) -> None:
    await resolved(tenant, "book_meeting", [(0.1, "POSITIVE"), (0.3, "NEGATIVE")])
    got = await curve(tenant, "book_meeting")
    assert [b["count"] for b in got["bins"]] == [1, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    empty = got["bins"][1]
    assert empty["lower"] == 0.1 and empty["upper"] == 0.2
    assert [empty[k] for k in ("meanPredicted", "observedRate", "gap", "wilsonLow")] == [None] * 4
    unseen = await curve(tenant, "never_done")
    assert unseen["sampleCount"] == 0 and unseen["brierScore"] is None
    assert unseen["updatedAt"] is None and len(unseen["bins"]) == 10
    listed = (await tenant.api.gql(CURVES, token=tenant.token(Role.EXECUTIVE)))["calibrationCurves"]
    assert [c["actionType"] for c in listed] == ["book_meeting"]


async def test_run_calibration_adjusts_only_the_overconfident(tenant: Tenant) -> None:
    await resolved(tenant, "over", [(0.9, s) for s in ["POSITIVE", "NEGATIVE"] * 15])
    await resolved(tenant, "fair", [(0.5, s) for s in ["POSITIVE", "NEGATIVE"] * 15])
    curves = {c["actionType"]: c for c in await run(tenant)}
    over, fair = curves["over"], curves["fair"]
    assert over["multiplier"] == pytest.approx(0.9)  # gap 0.4: step 0.2 capped at 0.10
    [adjustment] = over["adjustments"]
    assert adjustment["oldMultiplier"] == 1.0
    assert adjustment["newMultiplier"] == pytest.approx(0.9)
    assert adjustment["gap"] == pytest.approx(0.4)
    assert adjustment["calibratedGap"] == pytest.approx((0.9 * 27 - 15) / 30)
    assert adjustment["brierScore"] == pytest.approx(0.41)  # (15·0.01 + 15·0.81) / 30
    assert adjustment["sampleCount"] == 30
    assert fair["multiplier"] == 1.0 and fair["adjustments"] == []
    assert over["drift"] == [] and fair["drift"] == []
    tenant.api.clock.advance(hours=6)
    again = await run(tenant, "over")
    assert [c["actionType"] for c in again] == ["over"]
    assert [a["newMultiplier"] for a in again[0]["adjustments"]] == pytest.approx([0.8, 0.9])
    settled = await curve(tenant, "over")
    assert settled["multiplier"] == 0.8
    assert settled["weightedGap"] == pytest.approx(0.4)
    assert settled["calibratedGap"] == pytest.approx((0.8 * 27 - 15) / 30)


async def runs(tenant: Tenant, action: str, count: int) -> list[float]:
    """The multiplier after each of ``count`` runs, moving the clock 6 h between them."""
    path = []
    for _ in range(count):
        tenant.api.clock.advance(hours=6)
        [report] = await run(tenant, action)
        path.append(report["multiplier"])
    return path


async def test_twenty_runs_on_unchanged_data_converge_and_then_record_nothing(
    tenant: Tenant,
) -> None:
    await resolved(tenant, "over", [(0.9, s) for s in ["POSITIVE", "NEGATIVE"] * 15])
    path = await runs(tenant, "over", 20)
    target = 15 / 27  # m* = Σy/Σp
    assert path[:4] == [0.9, 0.8, 0.7, 0.6278]  # capped steps, then half the distance
    assert all(b <= a for a, b in itertools.pairwise([1.0, *path]))
    assert all(m > target for m in path) and path[-1] - target < 0.01
    assert path[-10:] == [path[-1]] * 10
    got = await curve(tenant, "over")
    history = got["adjustments"][::-1]  # oldest first
    assert [a["newMultiplier"] for a in history] == sorted(set(path), reverse=True)
    assert len(history) < 10  # the last runs recorded nothing
    for a in history:
        assert a["gap"] == pytest.approx(0.4)
        assert a["calibratedGap"] == pytest.approx((a["newMultiplier"] * 27 - 15) / 30)
    assert abs(got["calibratedGap"]) < abs(history[0]["calibratedGap"])


async def test_an_agent_that_becomes_well_calibrated_brings_the_multiplier_back_to_1(
    tenant: Tenant,
) -> None:
    await resolved(tenant, "over", [(0.9, s) for s in ["POSITIVE", "NEGATIVE"] * 15])
    low = (await runs(tenant, "over", 8))[-1]
    assert low < 0.6
    # 60 well-calibrated outcomes: the stated gap falls to 12/90 = 0.13, inside the band
    await resolved(tenant, "over", [(0.5, s) for s in ["POSITIVE", "NEGATIVE"] * 30])
    path = await runs(tenant, "over", 12)
    assert all(b >= a for a, b in itertools.pairwise([low, *path]))
    assert abs(path[-1] - 1.0) < 0.01 and path[-3:] == [path[-1]] * 3
    got = await curve(tenant, "over")
    assert got["weightedGap"] == pytest.approx(12 / 90)
    assert got["adjustments"][0]["newMultiplier"] == path[-1]


async def test_run_calibration_publishes_after_commit(tenant: Tenant, api: Api) -> None:
    await resolved(tenant, "over", [(0.9, s) for s in ["POSITIVE", "NEGATIVE"] * 15])
    async with api.services.broker.subscribe(channel(tenant.id, events.CALIBRATION)) as inbox:
        await run(tenant)
        message = await asyncio.wait_for(anext(inbox), timeout=5)
    assert message["actionType"] == "over" and message["id"]


async def test_drift_is_reported_and_repaired(tenant: Tenant, api: Api) -> None:
    p = [0.05, 0.15, 0.15, 0.55, 0.95, 0.95]
    y = [0, 0, 1, 1, 1, 0]
    await resolved(tenant, "draft", labelled(p, y))
    b = CalibrationBin

    async def corrupt(session: Any) -> None:
        mine = (b.tenant_id == tenant.id, b.action_type == "draft")
        await session.execute(update(b).where(*mine, b.bin == 1).values(count=b.count + 3))
        await session.execute(delete(b).where(*mine, b.bin == 9))

    await api.services.db.run(tenant.id, corrupt)
    # Two audits at once find the same drift; the compare-and-set repair applies it once.
    reports = [r for [r] in await asyncio.gather(run(tenant, "draft"), run(tenant, "draft"))]
    report = next(r for r in reports if r["drift"])
    assert all(d["index"] == d["bin"] for d in report["drift"])  # index: bin's new name
    drift = {(d["index"], d["field"]): (d["stored"], d["recomputed"]) for d in report["drift"]}
    assert drift[(1, "count")] == (5.0, 2.0)
    assert drift[(9, "count")] == (0.0, 2.0) and drift[(9, "sum_y")] == (0.0, 1.0)
    assert report["sampleCount"] == len(p)
    assert report["brierScore"] == pytest.approx(brier_score_loss(y, p), abs=1e-9)
    assert (await run(tenant, "draft"))[0]["drift"] == []


async def test_calibrated_confidence(tenant: Tenant) -> None:
    sparse = await calibrated(tenant, "over", 0.9)
    assert sparse["confidence"] == 0.9 and sparse["rawConfidence"] == 0.9
    assert not sparse["sufficientData"] and sparse["sampleCount"] == 0
    assert sparse["multiplier"] == 1.0 and sparse["method"] == "MULTIPLIER"
    assert sparse["observedRate"] is None
    await resolved(tenant, "over", [(0.9, s) for s in ["POSITIVE", "NEGATIVE"] * 15])
    await resolved(tenant, "over", [(0.35, "POSITIVE")])
    await run(tenant)
    got = await calibrated(tenant, "over", 0.9)
    assert got["sufficientData"] and got["sampleCount"] == 31
    assert got["multiplier"] == pytest.approx(0.9)
    assert got["confidence"] == pytest.approx(0.81)
    ci = binomtest(15, 30).proportion_ci(confidence_level=0.95, method="wilson")
    assert got["observedRate"] == 0.5
    assert (got["wilsonLow"], got["wilsonHigh"]) == pytest.approx((ci.low, ci.high), abs=1e-12)
    histogram = await calibrated(tenant, "over", 0.9, "HISTOGRAM")
    assert histogram["method"] == "HISTOGRAM"
    assert histogram["confidence"] == pytest.approx((15 + 10 * 0.9) / (30 + 10))
    empty_bin = await calibrated(tenant, "over", 0.8)  # 0.8 is an edge: bin 7, empty
    assert empty_bin["observedRate"] is None and empty_bin["confidence"] == pytest.approx(0.72)


@pytest.mark.parametrize(
    ("action", "confidence"),
    [("over", 1.5), ("over", -0.01), ("Not Valid", 0.5), ("x" * 65, 0.5)],
)
async def test_calibrated_confidence_rejects_bad_input(
    tenant: Tenant, action: str, confidence: float
) -> None:
    variables = {"a": action, "c": confidence}
    error = await tenant.api.error(CALIBRATED, variables, tenant.token(Role.AGENT))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_calibrated_confidence_refuses_nan(tenant: Tenant) -> None:
    # JSON has no NaN; a client that sends the non-standard ``NaN`` token is refused by the
    # Float scalar itself, before any resolver runs.
    body = json.dumps({"query": CALIBRATED, "variables": {"a": "over", "c": float("nan")}})
    response = await tenant.api.http.post(
        "/graphql",
        content=body,
        headers={
            "authorization": f"Bearer {tenant.token(Role.AGENT)}",
            "content-type": "application/json",
        },
    )
    errors = response.json()["errors"]
    assert "Float cannot represent" in errors[0]["message"]


async def test_roles(tenant: Tenant) -> None:
    rep = tenant.token(Role.REP, sub="rep-1")
    for document, variables in [
        (CURVE, {"a": "x"}),
        (CURVES, {}),
        (RUN, {}),
        (CALIBRATED, {"a": "x", "c": 0.5}),
    ]:
        error = await tenant.api.error(document, variables, rep)
        assert error["extensions"]["code"] == "FORBIDDEN"
    agent = tenant.token(Role.AGENT)
    for document, variables in [(CURVE, {"a": "x"}), (RUN, {})]:
        assert (await tenant.api.error(document, variables, agent))["extensions"]["code"] == (
            "FORBIDDEN"
        )
    for role in (Role.EXECUTIVE, Role.ANALYST, Role.ADMIN, Role.MANAGER):
        assert (await curve(tenant, "x", role))["sampleCount"] == 0
    analyst = tenant.token(Role.ANALYST)
    assert (await tenant.api.error(RUN, {}, analyst))["extensions"]["code"] == "FORBIDDEN"
    assert (await tenant.api.error(CURVES))["extensions"]["code"] == "UNAUTHENTICATED"


async def test_tenants_never_see_each_other(tenant: Tenant, api: Api) -> None:
    await resolved(tenant, "over", [(0.9, s) for s in ["POSITIVE", "NEGATIVE"] * 15])
    other = api.token(uuid.uuid4(), Role.ADMIN)
    assert (await api.gql(CURVES, token=other))["calibrationCurves"] == []
    assert (await api.gql(RUN, {"a": None}, other))["runCalibration"] == []
    theirs = await api.gql(CURVE, {"a": "over"}, other)
    assert theirs["calibrationCurve"]["sampleCount"] == 0
    assert (await curve(tenant, "over"))["multiplier"] == 1.0  # their run did not touch ours
    assert (await curve(tenant, "over"))["sampleCount"] == 30


async def test_concurrent_runs_step_from_distinct_values(tenant: Tenant) -> None:
    await resolved(tenant, "over", [(0.9, s) for s in ["POSITIVE", "NEGATIVE"] * 15])
    await asyncio.gather(*(run(tenant, "over") for _ in range(4)))
    got = await curve(tenant, "over")
    steps = sorted((a["oldMultiplier"], a["newMultiplier"]) for a in got["adjustments"])
    path = [1.0, 0.9, 0.8, 0.7, 0.6278]  # what four runs one after another would do
    assert 1 <= len(steps) <= 4
    assert steps == sorted(itertools.pairwise(path[: len(steps) + 1]))
    assert got["multiplier"] == path[len(steps)]


async def test_scheduled_job(tenant: Tenant, api: Api) -> None:
    await resolved(tenant, "over", [(0.9, s) for s in ["POSITIVE", "NEGATIVE"] * 15])
    svc = api.services
    report = await run_calibration_job(
        svc.db, settings=svc.settings, clock=svc.clock, tenants=[tenant.id]
    )
    assert (report.tenants, report.adjusted, report.drifted, report.failed) == (1, 1, 0, 0)
    assert (await curve(tenant, "over"))["multiplier"] == pytest.approx(0.9)
    jobs = {name: interval for name, interval, _ in schedule(svc)}
    assert jobs["calibration"] == svc.settings.calibration_interval_seconds
