"""Outcome and signal types (docs/concepts/outcomes.md): the outcome, the signal, what recording
them returns, runDetection's report, and their inputs."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, cast

import strawberry
from strawberry.scalars import JSON

from hindsight.db import models
from hindsight.domain.errors import ValidationFailed
from hindsight.domain.outcomes import listing, signals, writes
from hindsight.domain.outcomes.detection import JobReport as DomainJobReport
from hindsight.schema import args, enums
from hindsight.schema.context import Info
from hindsight.schema.errors import NotFoundError, ValidationError, written_or_refused
from hindsight.schema.node import Node

if TYPE_CHECKING:
    from hindsight.schema.feedback import FeedbackEntry


@strawberry.type(
    description=(
        "One agent action and what came of it. AGENT and read-all "
        "roles: the tenant's; MANAGER: their team's; REP: their own."
    )
)
class Outcome(Node):
    action_type: str = strawberry.field(
        description="What the agent did (lower snake case, ≤ 64 characters), e.g. `send_follow_up`."
    )
    outcome_type: enums.OutcomeType = strawberry.field(
        description="What result the action aims for; fixes its window and rules."
    )
    status: enums.OutcomeStatus = strawberry.field(
        description="Where it stands; PENDING until a signal, a person or its window's end decides."
    )
    predicted_confidence: float = strawberry.field(
        description="The agent's stated probability of success, 0..1."
    )
    conversation_id: str = strawberry.field(
        description="The conversation it belongs to (signals match on it)."
    )
    deal_id: str | None = strawberry.field(
        description="The CRM deal (deal signals match on it); required for DEAL_PROGRESSION."
    )
    rep_id: str | None = strawberry.field(description="The human rep it was done for, if any.")
    team_id: str | None = strawberry.field(
        description="The rep's team as the agent recorded it, if any."
    )
    metadata: JSON | None = strawberry.field(
        description="Free JSON the agent attached (≤ 16 KiB), e.g. `trigger` for escalations."
    )
    created_at: dt.datetime = strawberry.field(
        description="When the agent acted (UTC); the window starts here."
    )
    recorded_at: dt.datetime = strawberry.field(
        description="When the API stored it (UTC); later than createdAt for a late upload."
    )
    window_ends_at: dt.datetime = strawberry.field(
        description="createdAt + the outcome type's window (UTC)."
    )
    resolved_at: dt.datetime | None = strawberry.field(
        description="When it left PENDING (UTC); null while pending."
    )
    resolution_reason: str | None = strawberry.field(
        description="Why it resolved as it did (the signal, rule or person); null while pending."
    )
    calibrated_confidence: float | None = strawberry.field(
        description="q = clamp(predictedConfidence × m, 0.001, 0.999), m the action type's "
        "multiplier in force when it resolved POSITIVE or NEGATIVE: what the CALIBRATION drift "
        "monitor tests it against. Null while pending and for AMBIGUOUS or "
        "EXPIRED outcomes."
    )

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
            metadata=cast("JSON | None", row.meta),
            created_at=row.created_at,
            recorded_at=row.recorded_at,
            window_ends_at=row.window_ends_at,
            resolved_at=row.resolved_at,
            resolution_reason=row.resolution_reason,
            calibrated_confidence=row.calibrated_confidence,
        )

    @strawberry.field(description="Feedback linked to this outcome; one query per request.")
    async def feedback(
        self, info: Info
    ) -> list[Annotated[FeedbackEntry, strawberry.lazy("hindsight.schema.feedback")]]:
        from hindsight.schema.feedback import FeedbackEntry  # it imports this module

        rows = await info.context.feedback_of(str(self.id))
        return [FeedbackEntry.from_row(r) for r in rows]


@strawberry.type(description="Something that happened in the CRM or the conversation.")
class Signal(Node):
    kind: enums.SignalKind = strawberry.field(description="What happened.")
    conversation_id: str | None = strawberry.field(
        description="The conversation (conversation kinds match outcomes on it)."
    )
    deal_id: str | None = strawberry.field(
        description="The deal (deal kinds match outcomes on it)."
    )
    occurred_at: dt.datetime = strawberry.field(
        description="When it happened (UTC); outcomes whose window holds it are resolved."
    )
    payload: JSON = strawberry.field(
        description="Details: fromStage/toStage, helpful, and whatever else was sent."
    )

    @classmethod
    def from_row(cls, row: models.Signal) -> Signal:
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=enums.SignalKind(row.kind),
            conversation_id=row.conversation_id,
            deal_id=row.deal_id,
            occurred_at=row.occurred_at,
            payload=cast(JSON, row.payload),
        )


@strawberry.type(description="A stored signal and the outcomes it resolved at once.")
class SignalRecorded:
    signal: Signal = strawberry.field(description="The signal as stored.")
    resolved: list[Outcome] = strawberry.field(
        description="Pending outcomes it decided in the same transaction."
    )

    @classmethod
    def from_domain(
        cls, signal: models.Signal, resolved: list[models.OutcomeRecord]
    ) -> SignalRecorded:
        return cls(signal=Signal.from_row(signal), resolved=[Outcome.from_row(o) for o in resolved])


STATUS_COUNTS = ("POSITIVE", "NEGATIVE", "AMBIGUOUS", "EXPIRED")  # JobReport's counts


@strawberry.type(description="What one detection job did in runDetection.")
class JobReport:
    name: str = strawberry.field(description="The job (e.g. `window_end`).")
    examined: int = strawberry.field(description="Outcomes it looked at.")
    resolved: int = strawberry.field(description="Outcomes it resolved.")
    positive: int = strawberry.field(description="Of those, POSITIVE.")
    negative: int = strawberry.field(description="Of those, NEGATIVE.")
    ambiguous: int = strawberry.field(description="Of those, AMBIGUOUS.")
    expired: int = strawberry.field(description="Of those, EXPIRED.")

    @classmethod
    def from_domain(cls, r: DomainJobReport) -> JobReport:
        counts = {s.lower(): r.by_status.get(s, 0) for s in STATUS_COUNTS}
        return cls(name=r.name, examined=r.examined, resolved=r.resolved, **counts)


@strawberry.type(description="What runDetection did, per job.")
class DetectionReport:
    jobs: list[JobReport] = strawberry.field(
        description="One report per job, in the order they ran."
    )
    resolved: int = strawberry.field(description="Outcomes resolved by all jobs together.")

    @classmethod
    def from_domain(cls, reports: list[DomainJobReport]) -> DetectionReport:
        return cls(
            jobs=[JobReport.from_domain(r) for r in reports],
            resolved=sum(r.resolved for r in reports),
        )


RESULT = "What was written, or why nothing was (ValidationError, NotFoundError)."
RecordOutcomeResult = Annotated[
    Outcome | ValidationError, strawberry.union("RecordOutcomeResult", description=RESULT)
]
ResolveOutcomeResult = Annotated[
    Outcome | ValidationError | NotFoundError,
    strawberry.union("ResolveOutcomeResult", description=RESULT),
]
RecordSignalResult = Annotated[
    SignalRecorded | ValidationError, strawberry.union("RecordSignalResult", description=RESULT)
]


def outcome_result(result: models.OutcomeRecord | ValidationFailed) -> Outcome | ValidationError:
    """A ``RecordOutcomeResult``: the outcome written, or why nothing was."""
    return written_or_refused(result, Outcome.from_row)


def signal_result(
    result: tuple[models.Signal, list[models.OutcomeRecord]] | ValidationFailed,
) -> SignalRecorded | ValidationError:
    """A ``RecordSignalResult``: the signal and what it resolved, or why nothing was written."""
    return written_or_refused(result, lambda r: SignalRecorded.from_domain(*r))


@args.built_directly
@strawberry.input(description="One agent action to record.")
class RecordOutcomeInput:
    action_type: str = strawberry.field(
        description="What the agent did: lower snake case, 1–64 characters."
    )
    outcome_type: enums.OutcomeType = strawberry.field(description="What result it aims for.")
    predicted_confidence: float = strawberry.field(
        description="The agent's probability of success, 0..1."
    )
    conversation_id: str = strawberry.field(description="The conversation (1–128 characters).")
    deal_id: str | None = strawberry.field(
        default=None, description="The CRM deal; required for DEAL_PROGRESSION."
    )
    rep_id: str | None = strawberry.field(
        default=None, description="The human rep it was done for."
    )
    team_id: str | None = strawberry.field(default=None, description="The rep's team.")
    metadata: JSON | None = strawberry.field(
        default=None,
        description='A JSON object (≤ 16 KiB), e.g. `{"trigger": "pricing"}` for an escalation.',
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Recording the same key again returns the first outcome instead of a copy.",
    )
    occurred_at: dt.datetime | None = strawberry.field(
        default=None,
        description=(
            "When the agent acted, with an offset (default now); never in the future, at "
            "most the longest window ago."
        ),
    )

    def to_domain(self) -> writes.NewOutcome:
        return writes.NewOutcome(**args.values_of(self))


@strawberry.input(description="An explicit decision on a pending outcome.")
class ResolveOutcomeInput:
    outcome_id: strawberry.ID = strawberry.field(description="The outcome.")
    status: enums.OutcomeStatus = strawberry.field(description="POSITIVE, NEGATIVE or AMBIGUOUS.")
    reason: str | None = strawberry.field(
        default=None, description="Why (≤ 2,000 characters); default `resolved explicitly`."
    )


@args.built_directly
@strawberry.input(description="A CRM or conversation event to record.")
class RecordSignalInput:
    kind: enums.SignalKind = strawberry.field(description="What happened.")
    conversation_id: str | None = strawberry.field(
        default=None, description="Required for conversation kinds."
    )
    deal_id: str | None = strawberry.field(default=None, description="Required for deal kinds.")
    occurred_at: dt.datetime | None = strawberry.field(
        default=None,
        description="When it happened, with an offset (default now); never in the future.",
    )
    from_stage: str | None = strawberry.field(
        default=None, description="DEAL_STAGE_CHANGED: the stage before."
    )
    to_stage: str | None = strawberry.field(
        default=None, description="DEAL_STAGE_CHANGED: the stage after."
    )
    helpful: bool | None = strawberry.field(
        default=None, description="ESCALATION_RESOLVED: whether the escalation was worth it."
    )
    payload: JSON | None = strawberry.field(
        default=None, description="Any other details, a JSON object."
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description=(
            "Recording the same key again returns the first signal, with `resolved` empty: "
            "a retried call stores and resolves nothing twice."
        ),
    )

    def to_domain(self) -> signals.NewSignal:
        return signals.NewSignal(**args.values_of(self))


@strawberry.input(
    description="Which outcomes: every given field must match (the same shape as FeedbackFilter)."
)
class OutcomeFilter:
    statuses: list[enums.OutcomeStatus] | None = strawberry.field(
        default=None, description="Any of these statuses."
    )
    outcome_types: list[enums.OutcomeType] | None = strawberry.field(
        default=None, description="Any of these outcome types."
    )
    action_types: list[str] | None = strawberry.field(
        default=None, description="Any of these action types."
    )
    rep_id: str | None = strawberry.field(default=None, description="This rep's.")
    team_id: str | None = strawberry.field(default=None, description="Carrying this teamId.")
    conversation_id: str | None = strawberry.field(
        default=None, description="In this conversation."
    )
    deal_id: str | None = strawberry.field(default=None, description="On this deal.")
    created_after: dt.datetime | None = strawberry.field(
        default=None, description="Acted at or after this instant (with an offset)."
    )
    created_before: dt.datetime | None = strawberry.field(
        default=None, description="Acted before this instant (with an offset)."
    )

    def to_domain(self) -> listing.OutcomeFilter:
        """The given fields; the domain's defaults (no condition) for the rest."""
        values = {k: v for k, v in args.values_of(self).items() if v is not None}
        return listing.OutcomeFilter(**values)
