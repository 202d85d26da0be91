"""Outcome and signal resolvers: read the viewer, check the right, call the domain, map."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable

from hindsight.context import Context
from hindsight.db.models import OutcomeRecord, Signal
from hindsight.domain import paging
from hindsight.domain.errors import NotFound, ValidationFailed
from hindsight.domain.outcomes import listing as reads
from hindsight.domain.outcomes import lookup as outcomes
from hindsight.domain.outcomes import signals
from hindsight.domain.outcomes import writes as outcome_writes
from hindsight.resolvers.common import (
    authorize,
    in_tenant,
    known_viewer,
    read_in_tenant,
)
from hindsight.schema import inputs, types
from hindsight.schema.connections import Connection, OrderDirection, OutcomeOrder
from hindsight.workers import jobs


async def viewer(ctx: Context) -> types.ViewerType:
    await authorize(ctx, "viewer")
    return types.ViewerType.from_domain(await known_viewer(ctx))


async def outcome(ctx: Context, outcome_id: str) -> types.Outcome:
    scope = (await authorize(ctx, "outcome")).scope
    row = await read_in_tenant(
        ctx, lambda s: outcomes.read_outcome(s, ctx.viewer.tenant_id, outcome_id, scope)
    )
    return types.Outcome.from_row(row)


async def outcome_page(
    ctx: Context,
    flt: inputs.OutcomeFilter | None,
    window: paging.Window,
    sort: OutcomeOrder | None,
) -> Connection[types.Outcome]:
    scope = (await authorize(ctx, "outcomes")).scope
    checked = window.checked(ctx.services.settings.max_page_size)
    domain_filter = _filter(flt)
    order = (
        reads.order(sort.field.name, descending=sort.direction == OrderDirection.DESC)
        if sort
        else reads.order()
    )
    tenant_id = ctx.viewer.tenant_id
    page = await read_in_tenant(
        ctx,
        lambda s: reads.read_outcomes(
            s, tenant_id, domain_filter, scope, window=checked, sort=order
        ),
    )

    def count() -> Awaitable[int]:
        return read_in_tenant(
            ctx, lambda s: reads.count_outcomes(s, tenant_id, domain_filter, scope)
        )

    return Connection.from_page(page, types.Outcome.from_row, count)


def _filter(flt: inputs.OutcomeFilter | None) -> reads.OutcomeFilter:
    if flt is None:
        return reads.OutcomeFilter()
    values = {k: v for k, v in dataclasses.asdict(flt).items() if v is not None}
    return reads.OutcomeFilter(**values)


async def record_outcome(
    ctx: Context, data: inputs.RecordOutcomeInput
) -> types.Outcome | types.ValidationError:
    viewer = (await authorize(ctx, "recordOutcome")).viewer
    new = outcomes.NewOutcome(**dataclasses.asdict(data))
    svc = ctx.services
    try:
        row = await in_tenant(
            ctx,
            lambda s: outcomes.record_outcome(
                s, viewer.tenant_id, new, rules=svc.rules, now=svc.now()
            ),
        )
    except ValidationFailed as error:
        return types.ValidationError.of(error)
    return types.Outcome.from_row(row)


async def record_outcomes(
    ctx: Context, data: list[inputs.RecordOutcomeInput]
) -> list[types.Outcome | types.ValidationError]:
    """``recordOutcomes``: one result per input, in order; the valid items commit together."""
    viewer = (await authorize(ctx, "recordOutcomes")).viewer
    outcome_writes.check_batch_size(len(data))
    news = [outcomes.NewOutcome(**dataclasses.asdict(d)) for d in data]
    svc = ctx.services
    rows = await in_tenant(
        ctx,
        lambda s: outcomes.record_outcomes(
            s, viewer.tenant_id, news, rules=svc.rules, now=svc.now()
        ),
    )
    return [
        types.ValidationError.of(r)
        if isinstance(r, ValidationFailed)
        else types.Outcome.from_row(r)
        for r in rows
    ]


async def record_signals(
    ctx: Context, data: list[inputs.RecordSignalInput]
) -> list[types.SignalRecorded | types.ValidationError]:
    """``recordSignals``: one result per input, in order; the valid items commit together."""
    viewer = (await authorize(ctx, "recordSignals")).viewer
    outcome_writes.check_batch_size(len(data))
    news = [signals.NewSignal(**dataclasses.asdict(d)) for d in data]
    svc = ctx.services
    results = await in_tenant(
        ctx,
        lambda s: signals.record_signals(s, viewer.tenant_id, news, rules=svc.rules, now=svc.now()),
    )
    return [
        types.ValidationError.of(r) if isinstance(r, ValidationFailed) else _signal_recorded(*r)
        for r in results
    ]


def _signal_recorded(signal: Signal, resolved: list[OutcomeRecord]) -> types.SignalRecorded:
    return types.SignalRecorded(
        signal=types.Signal.from_row(signal),
        resolved=[types.Outcome.from_row(o) for o in resolved],
    )


async def resolve_outcome(
    ctx: Context, data: inputs.ResolveOutcomeInput
) -> types.Outcome | types.ValidationError | types.NotFoundError:
    viewer = (await authorize(ctx, "resolveOutcome")).viewer
    svc = ctx.services
    try:
        row = await in_tenant(
            ctx,
            lambda s: outcomes.resolve_outcome(
                s, viewer.tenant_id, str(data.outcome_id), data.status, data.reason, now=svc.now()
            ),
        )
    except ValidationFailed as error:
        return types.ValidationError.of(error)
    except NotFound as error:
        return types.NotFoundError.of(error)
    return types.Outcome.from_row(row)


async def record_signal(
    ctx: Context, data: inputs.RecordSignalInput
) -> types.SignalRecorded | types.ValidationError:
    viewer = (await authorize(ctx, "recordSignal")).viewer
    new = signals.NewSignal(**dataclasses.asdict(data))
    svc = ctx.services
    try:
        signal, resolved = await in_tenant(
            ctx,
            lambda s: signals.record_signal(
                s, viewer.tenant_id, new, rules=svc.rules, now=svc.now()
            ),
        )
    except ValidationFailed as error:
        return types.ValidationError.of(error)
    return _signal_recorded(signal, resolved)


async def run_detection(ctx: Context) -> types.DetectionReport:
    await authorize(ctx, "runDetection")
    svc = ctx.services
    reports = await jobs.run_all_detection(
        svc.db,
        rules=svc.rules,
        clock=svc.clock,
        batch_size=svc.settings.detection_batch_size,
        tenants=[ctx.viewer.tenant_id],
    )
    return types.DetectionReport(
        jobs=[
            types.JobReport(
                name=r.name,
                examined=r.examined,
                resolved=r.resolved,
                **{
                    s.lower(): r.by_status.get(s, 0)
                    for s in ("POSITIVE", "NEGATIVE", "AMBIGUOUS", "EXPIRED")
                },
            )
            for r in reports
        ],
        resolved=sum(r.resolved for r in reports),
    )
