"""``importOutcomes``: already-resolved history from a CRM export (ADMIN; docs/reference/api.md):
the inputs to domain values, one resolver, the results mapped."""

from __future__ import annotations

from typing import Annotated

import strawberry

from hindsight.resolvers import history as resolvers
from hindsight.schema import outcomes as gql
from hindsight.schema.context import Info
from hindsight.schema.history import ImportOutcomeInput

IMPORT_DESCRIPTION = """ADMIN: import up to 500 outcomes that already ended (a CRM export).

Each is stored with its final status and resolvedAt and counts everywhere exactly as a live
resolution would: calibration sums (POSITIVE/NEGATIVE only), dashboards and their previous
periods and trends (on the UTC day of occurredAt), coaching. Unlike recordOutcome, occurredAt
is required and may lie any time in the past (never more than 5 minutes ahead); no window
rule or signal is applied. The same idempotencyKey imported again returns the first outcome
and counts once. One result per input, in order; the valid items commit together, an invalid
one is a ValidationError naming its field and writes nothing. Planner statistics are
refreshed (ANALYZE) in the same transaction."""


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
    ) -> list[gql.RecordOutcomeResult]:
        results = await resolvers.import_outcomes(info.context, [i.to_domain() for i in inputs])
        return [gql.outcome_result(r) for r in results]
