"""Drift alerts as a client meets them: by node id, with bad input, and raised once however
many runs race for the same resolutions (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import numpy as np

from hindsight.domain.enums import Role
from hindsight.settings import Settings
from hindsight.workers.scheduler import intervals
from tests.api.drift_documents import ALERT_FIELDS, RUN, alerts, history, monitors, stream
from tests.conftest import Tenant

NODE = (
    f"query($id: ID!) {{ node(id: $id) {{ __typename ... on DriftAlert {{ {ALERT_FIELDS} }} }} }}"
)


async def test_concurrent_runs_feed_each_resolution_once(tenant: Tenant) -> None:
    p, y = stream(seed=21, n=500, drop_after=200, drop=0.35)
    await history(tenant, "propose_meeting", p[:100], y[:100])
    admin = tenant.token(Role.ADMIN)
    assert (await tenant.api.gql(RUN, token=admin))["runDriftDetection"]["fed"] == 100
    later = tenant.api.clock.now - dt.timedelta(days=10)  # the monitors' row exists now
    await history(tenant, "propose_meeting", p[100:], y[100:], start=later)
    runs = await asyncio.gather(*(tenant.api.gql(RUN, token=admin) for _ in range(4)))
    reports = [r["runDriftDetection"] for r in runs]
    assert sum(r["fed"] for r in reports) == 400
    raised = [a for r in reports for a in r["alerts"]]
    assert sorted(a["kind"] for a in raised) == ["CALIBRATION", "SUCCESS_RATE"]
    count, listed = await alerts(tenant)
    assert count == 2 and {a["id"] for a in listed} == {a["id"] for a in raised}
    assert all(m["paused"] for m in (await monitors(tenant, "propose_meeting")).values())


async def test_an_alert_is_a_node_and_bad_input_is_refused(tenant: Tenant) -> None:
    await history(tenant, "advance_deal", np.full(60, 0.8), np.zeros(60))
    [alert] = (await tenant.api.gql(RUN, token=tenant.token()))["runDriftDetection"]["alerts"]
    agent = tenant.token(Role.AGENT)
    node = (await tenant.api.gql(NODE, {"id": alert["id"]}, agent))["node"]
    assert node == {"__typename": "DriftAlert", **alert}
    other = tenant.api.token(uuid.uuid4(), Role.AGENT)
    missing = await tenant.api.error(NODE, {"id": alert["id"]}, other)
    assert missing["extensions"]["code"] == "NOT_FOUND"
    refused = await tenant.api.error("query { driftAlerts(first: 0) { totalCount } }", token=agent)
    assert (refused["extensions"]["code"], refused["extensions"]["field"]) == (
        "BAD_USER_INPUT",
        "first",
    )
    bad_name = await tenant.api.error(
        'query { driftMonitors(actionTypes: ["Not A Name"]) { kind } }', token=agent
    )
    assert bad_name["extensions"]["code"] == "BAD_USER_INPUT"
    rep = await tenant.api.error(
        "query { driftAlerts { totalCount } }", token=tenant.token(Role.REP, "rep-1")
    )
    assert rep["extensions"]["code"] == "FORBIDDEN"


def test_the_drift_job_is_scheduled_every_minute_by_default() -> None:
    assert intervals(Settings.model_construct())["drift"] == 60
