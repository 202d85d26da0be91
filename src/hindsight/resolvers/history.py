"""``importOutcomes``: read the viewer, check the right, one domain call.

It takes the domain's ``PastOutcome`` values and returns one row or ``ValidationFailed`` per
item (a single one when the whole batch is refused); ``api/history.py`` maps them. More
items than a batch may hold is ``BAD_USER_INPUT``, as for ``recordOutcomes``.
"""

from __future__ import annotations

from collections.abc import Sequence

from hindsight.context import Context
from hindsight.domain.errors import ValidationFailed
from hindsight.domain.outcomes import history, writes
from hindsight.resolvers.common import authorize, write


async def import_outcomes(
    ctx: Context, items: Sequence[history.PastOutcome]
) -> list[history.Result]:
    await authorize(ctx, "importOutcomes")
    writes.check_batch_size(len(items))  # BAD_USER_INPUT, as the other batch mutations
    svc = ctx.services
    results = await write(
        ctx,
        lambda s: history.import_outcomes(
            s, ctx.viewer.tenant_id, items, rules=svc.rules, now=svc.now()
        ),
    )
    return [results] if isinstance(results, ValidationFailed) else results
