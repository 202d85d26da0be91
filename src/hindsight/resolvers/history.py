"""``importOutcomes``: read the viewer, check the right, one domain call, map the results."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

from hindsight.context import Context
from hindsight.domain.errors import ValidationFailed
from hindsight.domain.outcomes import history
from hindsight.domain.outcomes import lookup as outcomes
from hindsight.resolvers.common import authorize, in_tenant
from hindsight.schema import types

if TYPE_CHECKING:
    from hindsight.schema.history import ImportOutcomeInput


def _item(data: ImportOutcomeInput) -> history.PastOutcome:
    return history.PastOutcome(
        outcome=outcomes.NewOutcome(**dataclasses.asdict(data.outcome)),
        status=data.status,
        resolved_at=data.resolved_at,
        reason=data.reason,
    )


async def import_outcomes(
    ctx: Context, data: Sequence[ImportOutcomeInput]
) -> list[types.Outcome | types.ValidationError]:
    await authorize(ctx, "importOutcomes")
    items, svc = [_item(d) for d in data], ctx.services
    try:
        results = await in_tenant(
            ctx,
            lambda s: history.import_outcomes(
                s, ctx.viewer.tenant_id, items, rules=svc.rules, now=svc.now()
            ),
        )
    except ValidationFailed as error:
        return [types.ValidationError.of(error)]
    return [
        types.ValidationError.of(r)
        if isinstance(r, ValidationFailed)
        else types.Outcome.from_row(r)
        for r in results
    ]
