"""The input of ``importOutcomes``: already-resolved history from a CRM export (ADMIN;
docs/reference/api.md). The mutation is ``api/history.py``."""

from __future__ import annotations

import datetime as dt

import strawberry

from hindsight.domain.outcomes import history
from hindsight.schema import enums
from hindsight.schema.outcomes import RecordOutcomeInput


@strawberry.input(description="One ended outcome: what the agent did, and how it ended.")
class ImportOutcomeInput:
    outcome: RecordOutcomeInput = strawberry.field(
        description="As for recordOutcome; occurredAt is required and has no lower limit."
    )
    status: enums.OutcomeStatus = strawberry.field(
        description="POSITIVE, NEGATIVE, AMBIGUOUS, or EXPIRED for ESCALATION outcomes "
        "(never PENDING)."
    )
    resolved_at: dt.datetime = strawberry.field(
        description="When it was resolved: not before occurredAt, not in the future."
    )
    reason: str | None = strawberry.field(
        default=None, description="resolutionReason (≤ 2,000 characters); default 'imported'."
    )

    def to_domain(self) -> history.PastOutcome:
        return history.PastOutcome(
            outcome=self.outcome.to_domain(),
            status=self.status,
            resolved_at=self.resolved_at,
            reason=self.reason,
        )
