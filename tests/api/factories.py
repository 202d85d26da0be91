"""Plain async factories that go through the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hindsight.domain.enums import Role
from tests.api import documents
from tests.conftest import Tenant


def outcome_input(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "actionType": "send_follow_up",
        "outcomeType": "IMMEDIATE_RESPONSE",
        "predictedConfidence": 0.7,
        "conversationId": "conv-1",
    }
    values.update(overrides)
    return values


async def record(tenant: Tenant, **overrides: Any) -> dict[str, Any]:
    data = await tenant.api.gql(
        documents.RECORD, {"input": outcome_input(**overrides)}, tenant.token(Role.AGENT)
    )
    result = data["recordOutcome"]
    assert result["__typename"] == "Outcome", result
    return result


async def signal(tenant: Tenant, kind: str, **fields: Any) -> dict[str, Any]:
    if isinstance(fields.get("occurredAt"), dt.datetime):
        fields["occurredAt"] = fields["occurredAt"].isoformat()
    data = await tenant.api.gql(
        documents.SIGNAL, {"input": {"kind": kind, **fields}}, tenant.token(Role.AGENT)
    )
    return data["recordSignal"]


async def detect(tenant: Tenant) -> dict[str, Any]:
    return (await tenant.api.gql(documents.DETECT, token=tenant.token(Role.ADMIN)))["runDetection"]


async def read(tenant: Tenant, outcome_id: str) -> dict[str, Any]:
    data = await tenant.api.gql(documents.OUTCOME, {"id": outcome_id}, tenant.token(Role.ADMIN))
    return data["outcome"]


async def resolve(
    tenant: Tenant, outcome_id: str, status: str = "POSITIVE", reason: str | None = None
) -> dict[str, Any]:
    """``resolveOutcome`` as the agent; returns the union member."""
    data = await tenant.api.gql(
        documents.RESOLVE,
        {"input": {"outcomeId": outcome_id, "status": status, "reason": reason}},
        tenant.token(Role.AGENT),
    )
    return data["resolveOutcome"]


RATE = """mutation($i: RecordFeedbackInput!) {
  recordFeedback(input: $i) { __typename ... on FeedbackEntry { id } }
}"""


async def rate_outcome(
    tenant: Tenant, outcome_id: str, source: str = "INLINE", rating: int = 1
) -> str:
    """An ADMIN rates an outcome; returns the feedback entry's id."""
    entry = {
        "targetType": "OUTCOME",
        "targetId": outcome_id,
        "outcomeId": outcome_id,
        "source": source,
        "rating": rating,
    }
    data = await tenant.api.gql(RATE, {"i": entry}, tenant.token(Role.ADMIN))
    assert data["recordFeedback"]["__typename"] == "FeedbackEntry", data
    return str(data["recordFeedback"]["id"])
