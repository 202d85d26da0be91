"""Documents and factories for the drift tests: seeded streams of resolutions imported as
history (in order), the monitors run through runDriftDetection, outcomes read back."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from hindsight.domain.enums import Role
from tests.api.factories import outcome_input
from tests.conftest import Tenant

ALERT_FIELDS = """id actionType kind direction summary detectedAt raisedAt sampleSize eValue
  threshold expectedRate observedRate before { rate count } after { rate count }
  acknowledgedAt acknowledgedBy"""
IMPORT = """mutation($inputs: [ImportOutcomeInput!]!) { importOutcomes(inputs: $inputs) {
  __typename ... on ValidationError { field message } } }"""
RUN = f"mutation {{ runDriftDetection {{ fed actionTypes alerts {{ {ALERT_FIELDS} }} }} }}"
ALERTS = f"""query($f: DriftAlertFilter, $first: Int) {{ driftAlerts(filter: $f, first: $first) {{
  totalCount nodes {{ {ALERT_FIELDS} }} }} }}"""
MONITORS = """query($a: [String!]) { driftMonitors(actionTypes: $a) {
  actionType kind sampleSize paused eValue threshold width estimate } }"""
ACKNOWLEDGE = f"""mutation($id: ID!) {{ acknowledgeDriftAlert(id: $id) {{ __typename
  ... on DriftAlert {{ {ALERT_FIELDS} }} ... on NotFoundError {{ id message }} }} }}"""
OUTCOMES = """query($a: String!, $after: String) { outcomes(filter: {actionTypes: [$a]},
  first: 500, after: $after, orderBy: {field: CREATED_AT, direction: ASC}) {
  pageInfo { hasNextPage endCursor } nodes { status calibratedConfidence resolvedAt } } }"""
OPEN = "{ executiveSummary { openDriftAlerts } }"


def stream(seed: int, n: int, drop_after: int | None = None, drop: float = 0.0) -> Any:
    """(p, y): confidences and outcomes of a calibrated agent whose success rate falls by
    ``drop`` after ``drop_after`` resolutions."""
    rng = np.random.default_rng(seed)
    p = np.round(rng.uniform(0.3, 0.9, n), 3)
    truth = p.copy()
    if drop_after is not None:
        truth[drop_after:] -= drop
    return p, (rng.random(n) < truth).astype(int)


async def history(
    tenant: Tenant, action: str, p: Any, y: Any, start: dt.datetime | None = None
) -> None:
    """Import (p_i, y_i) in order, one minute apart, resolved 30 s after each action."""
    start = start or tenant.api.clock.now - dt.timedelta(days=20)
    items = []
    for i, (pi, yi) in enumerate(zip(p, y, strict=True)):
        at = start + dt.timedelta(minutes=i)
        outcome = outcome_input(
            actionType=action,
            predictedConfidence=float(pi),
            conversationId=f"{action}-{i}",
            occurredAt=at.isoformat(),
        )
        resolved_at = (at + dt.timedelta(seconds=30)).isoformat()
        items.append(
            {
                "outcome": outcome,
                "status": "POSITIVE" if yi else "NEGATIVE",
                "resolvedAt": resolved_at,
            }
        )
    for first in range(0, len(items), 500):
        data = await tenant.api.gql(
            IMPORT, {"inputs": items[first : first + 500]}, tenant.token(Role.ADMIN)
        )
        assert {r["__typename"] for r in data["importOutcomes"]} == {"Outcome"}, data


async def run(tenant: Tenant) -> dict[str, Any]:
    return (await tenant.api.gql(RUN, token=tenant.token(Role.ADMIN)))["runDriftDetection"]


async def alerts(
    tenant: Tenant, role: Role = Role.ANALYST, **flt: Any
) -> tuple[int, list[dict[str, Any]]]:
    data = await tenant.api.gql(ALERTS, {"f": flt or None, "first": 50}, tenant.token(role))
    return data["driftAlerts"]["totalCount"], data["driftAlerts"]["nodes"]


async def monitors(tenant: Tenant, action: str) -> dict[str, dict[str, Any]]:
    data = await tenant.api.gql(MONITORS, {"a": [action]}, tenant.token(Role.AGENT))
    return {m["kind"]: m for m in data["driftMonitors"]}


async def resolved_outcomes(tenant: Tenant, action: str) -> list[dict[str, Any]]:
    """The action type's outcomes in the order they were acted on (= imported, resolved)."""
    found: list[dict[str, Any]] = []
    after = None
    while True:
        data = await tenant.api.gql(OUTCOMES, {"a": action, "after": after}, tenant.token())
        page = data["outcomes"]
        found += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]
