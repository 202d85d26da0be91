"""Feedback resolvers: read the viewer, check the right, call the domain, map to types."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import uuid
from collections.abc import Awaitable

from hindsight.context import Context
from hindsight.db import models
from hindsight.domain import paging
from hindsight.domain import periods as period
from hindsight.domain.errors import ValidationFailed
from hindsight.domain.feedback import listing, reads
from hindsight.domain.feedback import ratings as feedback
from hindsight.domain.feedback import summary as summaries
from hindsight.resolvers.common import (
    authorize,
    authorize_rep,
    in_tenant,
    read_in_tenant,
)
from hindsight.schema import feedback_types as gql
from hindsight.schema import types
from hindsight.schema.connections import Connection, OrderDirection


async def record_feedback(
    ctx: Context, data: gql.RecordFeedbackInput
) -> gql.FeedbackEntry | types.ValidationError:
    """The reviewer is the token's subject and role, never a field of the input."""
    grant = await authorize(ctx, "recordFeedback")
    viewer = grant.viewer
    new = feedback.NewFeedback(**dataclasses.asdict(data))
    now = ctx.services.now()
    try:
        row = await in_tenant(
            ctx,
            lambda s: feedback.record_feedback(
                s,
                viewer.tenant_id,
                new,
                reviewer_id=viewer.subject,
                reviewer_role=viewer.role,
                scope=grant.scope,
                now=now,
                rules=ctx.services.rules,
            ),
        )
    except ValidationFailed as error:
        return types.ValidationError.of(error)
    return gql.FeedbackEntry.from_row(row)


async def feedback_entry(ctx: Context, feedback_id: str) -> gql.FeedbackEntry:
    vis = reads.visibility(await authorize(ctx, "feedback"))
    row = await read_in_tenant(
        ctx, lambda s: reads.read_feedback(s, ctx.viewer.tenant_id, feedback_id, vis)
    )
    return gql.FeedbackEntry.from_row(row)


async def feedback_for_conversation(ctx: Context, conversation_id: str) -> list[gql.FeedbackEntry]:
    vis = reads.visibility(await authorize(ctx, "feedbackForConversation"))
    tenant_id = ctx.viewer.tenant_id
    rows = await read_in_tenant(
        ctx, lambda s: reads.read_conversation_feedback(s, tenant_id, conversation_id, vis)
    )
    return [gql.FeedbackEntry.from_row(r) for r in rows]


async def feedback_summary(ctx: Context, flt: gql.FeedbackFilter | None) -> gql.FeedbackSummary:
    flt = flt or gql.FeedbackFilter()
    vis = reads.visibility(await authorize(ctx, "feedbackSummary"), rep_id=flt.rep_id)
    days = period.period_days(flt.period, ctx.services.now())  # whole days, as dashboards
    start, end = days.start, days.stop
    where = entry_filter(dataclasses.replace(flt, period=None), ctx.services.now())
    zone = period.time_zone(flt.period)
    domain_filter = summaries.SummaryFilter(start=start, end=end, where=where, zone=zone)
    summary = await read_in_tenant(
        ctx, lambda s: summaries.summarise(s, ctx.viewer.tenant_id, domain_filter, vis)
    )
    return gql.FeedbackSummary.from_domain(summary, start, end)


def entry_filter(flt: gql.FeedbackFilter, now: dt.datetime) -> listing.FeedbackFilter:
    """The domain filter; ``period`` (whole days) is an alternative to createdAfter/Before."""
    start = end = None
    if flt.period is not None:
        if flt.created_after is not None or flt.created_before is not None:
            raise ValidationFailed("filter.period", "give period or createdAfter/createdBefore")
        days = period.period_days(flt.period, now)  # whole days, as every report
        start, end = days.start, days.stop
    outcome_id = reads.parse_id(str(flt.outcome_id)) if flt.outcome_id is not None else None
    if flt.outcome_id is not None and outcome_id is None:
        raise ValidationFailed("filter.outcomeId", "is not an outcome id")
    return listing.FeedbackFilter(
        reviewer_id=flt.reviewer_id,
        rep_id=flt.rep_id,
        team_id=flt.team_id,
        action_types=[*(flt.action_types or []), *([flt.action_type] if flt.action_type else [])],
        target_types=[*(flt.target_types or []), *([flt.target_type] if flt.target_type else [])],
        sources=list(flt.sources or []),
        conversation_id=flt.conversation_id,
        outcome_id=outcome_id,
        created_after=_utc(flt.created_after, "filter.createdAfter") or start,
        created_before=_utc(flt.created_before, "filter.createdBefore") or end,
    )


def _utc(value: dt.datetime | None, field: str) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValidationFailed(field, "must carry a UTC offset")
    return value


async def feedback_entries(
    ctx: Context,
    flt: gql.FeedbackFilter | None,
    window: paging.Window,
    sort: gql.FeedbackOrder | None,
) -> Connection[gql.FeedbackEntry]:
    flt = flt or gql.FeedbackFilter()
    vis = reads.visibility(await authorize(ctx, "feedbackEntries"), rep_id=flt.rep_id)
    checked = window.checked(ctx.services.settings.max_page_size)
    where, tenant_id = entry_filter(flt, ctx.services.now()), ctx.viewer.tenant_id
    descending = sort is None or sort.direction == OrderDirection.DESC
    order = listing.order(sort.field.name if sort else "CREATED_AT", descending=descending)
    page = await read_in_tenant(
        ctx,
        lambda s: listing.read_entries(s, tenant_id, where, vis, window=checked, sort=order),
    )

    def count() -> Awaitable[int]:
        return read_in_tenant(ctx, lambda s: listing.count_entries(s, tenant_id, where, vis))

    return Connection.from_page(page, gql.FeedbackEntry.from_row, count)


async def should_request_feedback(ctx: Context, reviewer_id: str) -> bool:
    """The agent asks before prompting a person; people ask about whom they reach."""
    viewer = (await authorize_rep(ctx, "shouldRequestFeedback", reviewer_id)).viewer
    svc = ctx.services
    return await read_in_tenant(
        ctx,
        lambda s: feedback.should_request_feedback(
            s,
            viewer.tenant_id,
            reviewer_id,
            now=svc.now(),
            daily_cap=svc.settings.feedback_daily_cap,
        ),
    )


async def outcome_feedback(ctx: Context, outcome_id: str) -> list[models.FeedbackEntry]:
    """``Outcome.feedback``: every outcome of the request shares one batched query."""
    loader = ctx.loader("feedback_by_outcome", functools.partial(_feedback_by_outcome, ctx))
    return await loader.load(outcome_id)


async def _feedback_by_outcome(ctx: Context, keys: list[str]) -> list[list[models.FeedbackEntry]]:
    """``Outcome.feedback`` follows the ``feedback`` rule (an AGENT reads none)."""
    vis = reads.visibility(await authorize(ctx, "feedback"))
    ids = [uuid.UUID(k) for k in keys]
    grouped = await read_in_tenant(
        ctx, lambda s: reads.read_outcome_feedback(s, ctx.viewer.tenant_id, ids, vis)
    )
    return [list(grouped[i]) for i in ids]
