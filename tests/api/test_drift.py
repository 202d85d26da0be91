"""Drift through the front door, on SQLite and PostgreSQL: seeded streams
imported in order, runDriftDetection, and every number recomputed independently — the
e-values with numpy/scipy from the outcomes' calibratedConfidence and statuses, ADWIN with
river driven directly on the statuses."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import numpy as np
import pytest
from river.drift import ADWIN
from scipy.special import expit, logit, logsumexp

from hindsight.domain.enums import Role
from tests.api import documents
from tests.api.drift_documents import (
    ACKNOWLEDGE,
    OPEN,
    alerts,
    history,
    monitors,
    resolved_outcomes,
    run,
    stream,
)
from tests.api.factories import record
from tests.conftest import Tenant

THETAS = np.array([k / 10 for k in range(-20, 21) if k != 0])
WEIGHTS = np.exp(-(THETAS**2) / 0.5) / np.exp(-(THETAS**2) / 0.5).sum()  # 2·0.5² = 0.5


def e_values(outcomes: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """E after each resolution, from §13's formula; and the q and y it used."""
    q = np.array([o["calibratedConfidence"] for o in outcomes])
    y = np.array([o["status"] == "POSITIVE" for o in outcomes], dtype=float)
    q_theta = expit(logit(q)[:, None] + THETAS)
    log_ratio = np.where(
        y[:, None] == 1, np.log(q_theta / q[:, None]), np.log((1 - q_theta) / (1 - q[:, None]))
    )
    return np.exp(logsumexp(np.cumsum(log_ratio, axis=0), b=WEIGHTS, axis=1)), q, y


def adwin_detection(outcomes: list[dict[str, Any]]) -> tuple[int | None, ADWIN]:
    """Where river's own ADWIN (delta 0.002) first detects with ≥ 50 resolutions seen."""
    adwin = ADWIN(delta=0.002)
    for i, o in enumerate(outcomes):
        adwin.update(int(o["status"] == "POSITIVE"))
        if adwin.drift_detected and i + 1 >= 50:
            return i, adwin
    return None, adwin


async def test_a_calibrated_stream_raises_nothing_and_the_monitors_recompute(
    tenant: Tenant,
) -> None:
    p, y = stream(seed=11, n=400)
    await history(tenant, "send_follow_up", p, y)
    report = await run(tenant)
    assert (report["fed"], report["actionTypes"], report["alerts"]) == (400, 1, [])
    outcomes = await resolved_outcomes(tenant, "send_follow_up")
    e, q, _ = e_values(outcomes)
    assert np.allclose(q, p, rtol=0, atol=1e-12)  # multiplier 1: q = clamp(p, 0.001, 0.999)
    now = await monitors(tenant, "send_follow_up")
    assert now["CALIBRATION"]["sampleSize"] == 400 and not now["CALIBRATION"]["paused"]
    assert now["CALIBRATION"]["eValue"] == pytest.approx(e[-1], rel=1e-9)
    assert now["CALIBRATION"]["threshold"] == 100
    detected, adwin = adwin_detection(outcomes)
    assert detected is None
    assert now["SUCCESS_RATE"]["width"] == adwin.width
    assert now["SUCCESS_RATE"]["estimate"] == pytest.approx(adwin.estimation, rel=1e-12)
    assert (await run(tenant))["fed"] == 0
    assert await alerts(tenant) == (0, [])


async def test_a_planted_drop_raises_one_alert_of_each_kind_and_never_twice(
    tenant: Tenant,
) -> None:
    p, y = stream(seed=12, n=600, drop_after=250, drop=0.35)
    await history(tenant, "propose_meeting", p, y)
    raised = {a["kind"]: a for a in (await run(tenant))["alerts"]}
    assert set(raised) == {"CALIBRATION", "SUCCESS_RATE"}
    outcomes = await resolved_outcomes(tenant, "propose_meeting")
    e, q, ys = e_values(outcomes)
    i = next(k for k in range(len(e)) if k + 1 >= 50 and e[k] >= 100)
    calibration = raised["CALIBRATION"]
    assert calibration["sampleSize"] == i + 1 and calibration["direction"] == "OVERCONFIDENT"
    assert (
        calibration["eValue"] == pytest.approx(e[i], rel=1e-9) and calibration["threshold"] == 100
    )
    assert calibration["expectedRate"] == pytest.approx(q[: i + 1].mean(), rel=1e-12)
    assert calibration["observedRate"] == pytest.approx(ys[: i + 1].mean(), rel=1e-12)
    assert calibration["detectedAt"] == outcomes[i]["resolvedAt"]
    assert "outcomes worse than the calibrated confidence says" in calibration["summary"]
    j, adwin = adwin_detection(outcomes)
    rate = raised["SUCCESS_RATE"]
    assert j is not None and rate["sampleSize"] == j + 1 and rate["direction"] == "DOWN"
    assert rate["after"] == {"rate": pytest.approx(adwin.estimation), "count": adwin.width}
    assert rate["before"]["rate"] > rate["after"]["rate"]
    assert rate["detectedAt"] == outcomes[j]["resolvedAt"]
    before, after = rate["before"], rate["after"]
    assert rate["summary"] == (
        f"propose_meeting: success rate {before['rate']:.0%} → {after['rate']:.0%} "
        f"over the last {before['count'] + after['count']} resolutions"
    )
    # a rerun feeds nothing; more of the same drift is the same drift: no new alert
    assert await run(tenant) == {"fed": 0, "actionTypes": 0, "alerts": []}
    later = tenant.api.clock.now - dt.timedelta(days=5)
    await history(tenant, "propose_meeting", *stream(13, 200, 0, 0.35), start=later)
    assert (await run(tenant))["alerts"] == []
    count, listed = await alerts(tenant)
    assert count == 2 and {a["id"] for a in listed} == {a["id"] for a in raised.values()}
    assert all(m["paused"] for m in (await monitors(tenant, "propose_meeting")).values())


async def test_acknowledging_counts_and_restarts_the_monitor(tenant: Tenant) -> None:
    p = np.full(120, 0.8)
    await history(tenant, "advance_deal", p, np.zeros(120))  # always wrong: CALIBRATION only
    [alert] = (await run(tenant))["alerts"]
    assert alert["kind"] == "CALIBRATION" and alert["sampleSize"] == 50
    executive = tenant.token(Role.EXECUTIVE)
    assert (await tenant.api.gql(OPEN, token=executive))["executiveSummary"] == {
        "openDriftAlerts": 1
    }
    refused = await tenant.api.error(ACKNOWLEDGE, {"id": alert["id"]}, tenant.token(Role.AGENT))
    assert refused["extensions"]["code"] == "FORBIDDEN"
    outsider = tenant.api.token(uuid.uuid4(), Role.MANAGER, "mgr-1", "team-a")
    elsewhere = await tenant.api.gql(ACKNOWLEDGE, {"id": alert["id"]}, outsider)
    assert elsewhere["acknowledgeDriftAlert"]["__typename"] == "NotFoundError"
    manager = tenant.token(Role.MANAGER, "mgr-1", "team-a")
    done = (await tenant.api.gql(ACKNOWLEDGE, {"id": alert["id"]}, manager))[
        "acknowledgeDriftAlert"
    ]
    assert done["acknowledgedBy"] == "mgr-1" and done["acknowledgedAt"] is not None
    again = await tenant.api.gql(ACKNOWLEDGE, {"id": alert["id"]}, tenant.token())
    assert again["acknowledgeDriftAlert"] == done  # acknowledging twice changes nothing
    assert (await tenant.api.gql(OPEN, token=executive))["executiveSummary"] == {
        "openDriftAlerts": 0
    }
    assert (await alerts(tenant, acknowledged=False))[0] == 0
    assert (await alerts(tenant, acknowledged=True, kinds=["CALIBRATION"]))[0] == 1
    restarted = (await monitors(tenant, "advance_deal"))["CALIBRATION"]
    assert (restarted["sampleSize"], restarted["paused"], restarted["eValue"]) == (0, False, 1)
    later = tenant.api.clock.now - dt.timedelta(days=5)
    await history(tenant, "advance_deal", np.full(60, 0.8), np.zeros(60), start=later)
    [second] = (await run(tenant))["alerts"]
    assert (second["kind"], second["sampleSize"]) == ("CALIBRATION", 50)


CALIBRATE = "mutation($a: String) { runCalibration(actionType: $a) { multiplier } }"


async def test_q_uses_the_multiplier_in_force_and_a_new_one_restarts_calibration(
    tenant: Tenant,
) -> None:
    await history(tenant, "qualify_lead", np.full(80, 0.8), np.zeros(80))
    assert len((await run(tenant))["alerts"]) == 1  # CALIBRATION pauses
    [curve] = (await tenant.api.gql(CALIBRATE, {"a": "qualify_lead"}, tenant.token()))[
        "runCalibration"
    ]
    assert curve["multiplier"] == 0.9  # one damped step down
    live = await record(tenant, actionType="qualify_lead", predictedConfidence=0.5)
    unsure = await record(tenant, actionType="qualify_lead", conversationId="conv-2")
    pending = await record(tenant, actionType="qualify_lead", conversationId="conv-3")
    agent = tenant.token(Role.AGENT)
    for outcome, status in ((live, "NEGATIVE"), (unsure, "AMBIGUOUS")):
        await tenant.api.gql(
            documents.RESOLVE, {"input": {"outcomeId": outcome["id"], "status": status}}, agent
        )
    read = "query($id: ID!) { outcome(id: $id) { calibratedConfidence } }"
    found = [
        (await tenant.api.gql(read, {"id": o["id"]}, agent))["outcome"]["calibratedConfidence"]
        for o in (live, unsure, pending)
    ]
    assert found == [pytest.approx(0.45, abs=1e-12), None, None]  # clamp(0.5 × 0.9)
    later = tenant.api.clock.now - dt.timedelta(hours=2)
    await history(tenant, "qualify_lead", np.full(60, 0.8), np.zeros(60), start=later)
    [restarted] = (await run(tenant))["alerts"]  # the multiplier changed: it started again
    assert restarted["kind"] == "CALIBRATION" and restarted["sampleSize"] == 50
    stored = [o["calibratedConfidence"] for o in await resolved_outcomes(tenant, "qualify_lead")]
    assert stored[:140] == [*[0.8] * 80, *[pytest.approx(0.72)] * 60]  # the live three follow
