"""Output types of the fixed GraphQL surface (DESIGN.md §9)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON

from hindsight.db import models
from hindsight.domain.access import Viewer as DomainViewer
from hindsight.schema import enums
from hindsight.schema.context import Info
from hindsight.schema.node import Node

if TYPE_CHECKING:
    from hindsight.schema.feedback_types import FeedbackEntry


@strawberry.type
class Viewer:
    subject: str
    tenant: strawberry.ID
    role: enums.Role
    team: str | None

    @classmethod
    def from_domain(cls, viewer: DomainViewer) -> Viewer:
        return cls(
            subject=viewer.subject,
            tenant=strawberry.ID(str(viewer.tenant_id)),
            role=viewer.role,
            team=viewer.team,
        )


@strawberry.type
class ValidationError:
    field: str | None
    message: str


@strawberry.type
class NotFoundError:
    id: strawberry.ID
    message: str


@strawberry.type
class Outcome(Node):
    action_type: str
    outcome_type: enums.OutcomeType
    status: enums.OutcomeStatus
    predicted_confidence: float
    conversation_id: str
    deal_id: str | None
    rep_id: str | None
    team_id: str | None
    metadata: JSON | None
    created_at: dt.datetime
    recorded_at: dt.datetime
    window_ends_at: dt.datetime
    resolved_at: dt.datetime | None
    resolution_reason: str | None

    @classmethod
    def from_row(cls, row: models.OutcomeRecord) -> Outcome:
        return cls(
            id=strawberry.ID(str(row.id)),
            action_type=row.action_type,
            outcome_type=enums.OutcomeType(row.outcome_type),
            status=enums.OutcomeStatus(row.status),
            predicted_confidence=row.predicted_confidence,
            conversation_id=row.conversation_id,
            deal_id=row.deal_id,
            rep_id=row.rep_id,
            team_id=row.team_id,
            metadata=row.meta,
            created_at=row.created_at,
            recorded_at=row.recorded_at,
            window_ends_at=row.window_ends_at,
            resolved_at=row.resolved_at,
            resolution_reason=row.resolution_reason,
        )

    @strawberry.field(description="Feedback linked to this outcome; one query per request.")
    async def feedback(
        self, info: Info
    ) -> list[Annotated[FeedbackEntry, strawberry.lazy("hindsight.schema.feedback")]]:
        from hindsight.resolvers.feedback import outcome_feedback  # it imports this module

        return await outcome_feedback(info.context, str(self.id))


@strawberry.type
class Signal(Node):
    kind: enums.SignalKind
    conversation_id: str | None
    deal_id: str | None
    occurred_at: dt.datetime
    payload: JSON

    @classmethod
    def from_row(cls, row: models.Signal) -> Signal:
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=enums.SignalKind(row.kind),
            conversation_id=row.conversation_id,
            deal_id=row.deal_id,
            occurred_at=row.occurred_at,
            payload=row.payload,
        )


@strawberry.type
class SignalRecorded:
    signal: Signal
    resolved: list[Outcome]


@strawberry.type
class JobReport:
    name: str
    examined: int
    resolved: int
    positive: int
    negative: int
    ambiguous: int
    expired: int


@strawberry.type
class DetectionReport:
    jobs: list[JobReport]
    resolved: int


RecordOutcomeResult = Annotated[Outcome | ValidationError, strawberry.union("RecordOutcomeResult")]
ResolveOutcomeResult = Annotated[
    Outcome | ValidationError | NotFoundError, strawberry.union("ResolveOutcomeResult")
]
RecordSignalResult = Annotated[
    SignalRecorded | ValidationError, strawberry.union("RecordSignalResult")
]
