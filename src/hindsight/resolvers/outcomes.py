"""Outcome and signal resolvers: read the viewer, check the right, call the domain.

They take domain values and return domain values (rows, a page with its count, the domain
error of a ``…Result`` union, the job reports); ``api/outcomes.py`` maps them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from hindsight.context import Context
from hindsight.db.models import OutcomeRecord, Signal
from hindsight.domain import access, paging
from hindsight.domain.enums import OutcomeStatus
from hindsight.domain.errors import NotFound, ValidationFailed
from hindsight.domain.outcomes import hot, signals
from hindsight.domain.outcomes import listing as reads
from hindsight.domain.outcomes import lookup as outcomes
from hindsight.domain.outcomes import writes as outcome_writes
from hindsight.domain.outcomes.detection import JobReport
from hindsight.resolvers.common import (
    authorize,
    known_viewer,
    read_in_tenant,
    read_lean,
    write,
    write_lean,
)
from hindsight.workers import jobs

Counter = Callable[[], Awaitable[int]]
SignalResult = tuple[Signal, list[OutcomeRecord]]


async def viewer(ctx: Context) -> access.Viewer:
    await authorize(ctx, "viewer")
    return await known_viewer(ctx)


async def outcome(ctx: Context, outcome_id: str) -> OutcomeRecord:
    scope = (await authorize(ctx, "outcome")).scope
    return await read_in_tenant(
        ctx, lambda s: outcomes.read_outcome(s, ctx.viewer.tenant_id, outcome_id, scope)
    )


async def outcome_page(
    ctx: Context,
    flt: reads.OutcomeFilter,
    window: paging.Window,
    sort: paging.Order | None = None,
) -> tuple[paging.Page[OutcomeRecord], Counter]:
    """One page of the outcomes the viewer may see, and how to count them all (on demand)."""
    scope = (await authorize(ctx, "outcomes")).scope
    checked = window.checked(ctx.services.settings.max_page_size)
    tenant_id = ctx.viewer.tenant_id
    page = await read_lean(
        ctx,
        lambda s: reads.read_outcomes(s, tenant_id, flt, scope, window=checked, sort=sort),
    )

    def count() -> Awaitable[int]:
        return read_lean(ctx, lambda s: reads.count_outcomes(s, tenant_id, flt, scope))

    return page, count


async def record_outcome(
    ctx: Context, new: outcome_writes.NewOutcome
) -> OutcomeRecord | ValidationFailed:
    await authorize(ctx, "recordOutcome")
    [result] = await _record_outcomes(ctx, [new])
    return result


async def record_outcomes(
    ctx: Context, news: Sequence[outcome_writes.NewOutcome]
) -> list[OutcomeRecord | ValidationFailed]:
    """``recordOutcomes``: one result per input, in order; the valid items commit together."""
    await authorize(ctx, "recordOutcomes")
    return await _record_outcomes(ctx, news)


async def _record_outcomes(
    ctx: Context, news: Sequence[outcome_writes.NewOutcome]
) -> list[OutcomeRecord | ValidationFailed]:
    """The hot path where it applies (``outcomes/hot.py``), else the general one."""
    svc, tenant_id = ctx.services, ctx.viewer.tenant_id
    now = svc.now()
    found = await hot.record_outcomes(svc.db, tenant_id, news, rules=svc.rules, now=now)
    if found is not None:
        return found
    return await ctx.services.db.lean(
        tenant_id, lambda s: outcomes.record_outcomes(s, tenant_id, news, rules=svc.rules, now=now)
    )


async def record_signals(
    ctx: Context, news: Sequence[signals.NewSignal]
) -> list[SignalResult | ValidationFailed]:
    """``recordSignals``: one result per input, in order; the valid items commit together."""
    viewer = (await authorize(ctx, "recordSignals")).viewer
    outcome_writes.check_batch_size(len(news))
    svc, tenant_id = ctx.services, viewer.tenant_id
    return await svc.db.lean(
        tenant_id,
        lambda s: signals.record_signals(s, tenant_id, news, rules=svc.rules, now=svc.now()),
        locks=signals.lock_names(tenant_id, news),
    )


async def resolve_outcome(
    ctx: Context, outcome_id: str, status: OutcomeStatus, reason: str | None
) -> OutcomeRecord | ValidationFailed | NotFound:
    viewer = (await authorize(ctx, "resolveOutcome")).viewer
    svc = ctx.services
    try:
        return await write(
            ctx,
            lambda s: outcomes.resolve_outcome(
                s, viewer.tenant_id, outcome_id, status, reason, now=svc.now()
            ),
        )
    except NotFound as error:  # a …Result member too: nothing you may resolve has this id
        return error


async def record_signal(ctx: Context, new: signals.NewSignal) -> SignalResult | ValidationFailed:
    """The stored signal and the outcomes it resolved, or why nothing was written."""
    viewer = (await authorize(ctx, "recordSignal")).viewer
    svc, tenant_id = ctx.services, viewer.tenant_id
    return await write_lean(
        ctx,
        lambda s: signals.record_signal(s, tenant_id, new, rules=svc.rules, now=svc.now()),
        locks=signals.lock_names(tenant_id, [new]),
    )


async def run_detection(ctx: Context) -> list[JobReport]:
    """Every detection job over the viewer's tenant, one report per job in run order."""
    await authorize(ctx, "runDetection")
    svc = ctx.services
    return await jobs.run_all_detection(
        svc.db,
        rules=svc.rules,
        clock=svc.clock,
        batch_size=svc.settings.detection_batch_size,
        tenants=[ctx.viewer.tenant_id],
    )
