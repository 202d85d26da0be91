"""Input types of the fixed GraphQL surface (DESIGN.md §9)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON

from hindsight.schema import enums


@strawberry.input
class RecordOutcomeInput:
    action_type: str
    outcome_type: enums.OutcomeType
    predicted_confidence: float
    conversation_id: str
    deal_id: str | None = None
    rep_id: str | None = None
    team_id: str | None = None
    metadata: JSON | None = None
    idempotency_key: str | None = None
    occurred_at: dt.datetime | None = None


@strawberry.input
class ResolveOutcomeInput:
    outcome_id: strawberry.ID
    status: enums.OutcomeStatus
    reason: str | None = None


@strawberry.input
class RecordSignalInput:
    kind: enums.SignalKind
    conversation_id: str | None = None
    deal_id: str | None = None
    occurred_at: dt.datetime | None = None
    from_stage: str | None = None
    to_stage: str | None = None
    helpful: bool | None = None
    payload: JSON | None = None


@strawberry.input
class OutcomeFilter:
    statuses: list[enums.OutcomeStatus] | None = None
    outcome_types: list[enums.OutcomeType] | None = None
    action_types: list[str] | None = None
    rep_id: str | None = None
    team_id: str | None = None
    conversation_id: str | None = None
    deal_id: str | None = None
    created_after: dt.datetime | None = None
    created_before: dt.datetime | None = None
