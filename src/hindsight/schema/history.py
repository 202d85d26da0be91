"""``importOutcomes``: already-resolved history from a CRM export (ADMIN; DESIGN.md §9a)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from hindsight.resolvers import history as resolvers
from hindsight.schema import enums, inputs, types
from hindsight.schema.context import Info

IMPORT_DESCRIPTION = """ADMIN: import up to 500 outcomes that already ended (a CRM export).

Each is stored with its final status and resolvedAt and counts everywhere exactly as a live
resolution would: calibration sums (POSITIVE/NEGATIVE only), dashboards and their previous
periods and trends (on the UTC day of occurredAt), coaching. Unlike recordOutcome, occurredAt
is required and may lie any time in the past (never more than 5 minutes ahead); no window
rule or signal is applied. The same idempotencyKey imported again returns the first outcome
and counts once. One result per input, in order; the valid items commit together, an invalid
one is a ValidationError naming its field and writes nothing. Planner statistics are
refreshed (ANALYZE) in the same transaction."""


@strawberry.input(description="One ended outcome: what the agent did, and how it ended.")
class ImportOutcomeInput:
    outcome: inputs.RecordOutcomeInput = strawberry.field(
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


@strawberry.type
class HistoryMutation:
    @strawberry.mutation(description=IMPORT_DESCRIPTION)
    async def import_outcomes(
        self,
        info: Info,
        inputs: Annotated[
            list[ImportOutcomeInput],
            strawberry.argument(description="The resolved outcomes to import, in order."),
        ],
    ) -> list[types.RecordOutcomeResult]:
        return await resolvers.import_outcomes(info.context, inputs)
