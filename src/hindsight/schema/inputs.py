"""Input types of the fixed GraphQL surface (DESIGN.md §9)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import strawberry
from strawberry.scalars import JSON

from hindsight.domain.outcomes import listing, signals, writes
from hindsight.schema import enums


@strawberry.input(description="One agent action to record (DESIGN.md §4).")
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
        return writes.NewOutcome(**dataclasses.asdict(self))


@strawberry.input(description="An explicit decision on a pending outcome.")
class ResolveOutcomeInput:
    outcome_id: strawberry.ID = strawberry.field(description="The outcome.")
    status: enums.OutcomeStatus = strawberry.field(description="POSITIVE, NEGATIVE or AMBIGUOUS.")
    reason: str | None = strawberry.field(
        default=None, description="Why (≤ 2,000 characters); default `resolved explicitly`."
    )


@strawberry.input(description="A CRM or conversation event to record (DESIGN.md §4).")
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

    def to_domain(self) -> signals.NewSignal:
        return signals.NewSignal(**dataclasses.asdict(self))


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
        values = {k: v for k, v in dataclasses.asdict(self).items() if v is not None}
        return listing.OutcomeFilter(**values)
