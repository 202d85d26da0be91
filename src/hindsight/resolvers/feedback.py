"""Feedback resolvers: read the viewer, check the right, call the domain, map to types."""

from __future__ import annotations

import dataclasses
import functools
import uuid

from hindsight.domain import feedback
from hindsight.domain import feedback_reads as reads
from hindsight.domain import feedback_summary as summaries
from hindsight.domain.errors import ValidationFailed
from hindsight.resolvers.common import (
    authorize,
    authorize_rep,
    in_tenant,
    read_in_tenant,
    validation_error,
)
from hindsight.schema import feedback_types as gql
from hindsight.schema import period, types
from hindsight.schema.context import Context


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
        return validation_error(error)
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
    days = period.period_days(flt.period, ctx.services.now())  # whole UTC days, as dashboards
    start, end = days.start, days.stop
    domain_filter = summaries.SummaryFilter(
        start=start,
        end=end,
        reviewer_id=flt.reviewer_id,
        rep_id=flt.rep_id,
        action_type=flt.action_type,
        target_type=flt.target_type,
    )
    summary = await read_in_tenant(
        ctx, lambda s: summaries.summarise(s, ctx.viewer.tenant_id, domain_filter, vis)
    )
    return gql.FeedbackSummary.from_domain(summary, start, end)


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


async def outcome_feedback(ctx: Context, outcome_id: str) -> list[gql.FeedbackEntry]:
    """``Outcome.feedback``: every outcome of the request shares one batched query."""
    loader = ctx.loader("feedback_by_outcome", functools.partial(_feedback_by_outcome, ctx))
    return await loader.load(outcome_id)


async def _feedback_by_outcome(ctx: Context, keys: list[str]) -> list[list[gql.FeedbackEntry]]:
    """``Outcome.feedback`` follows the ``feedback`` rule (an AGENT reads none)."""
    vis = reads.visibility(await authorize(ctx, "feedback"))
    ids = [uuid.UUID(k) for k in keys]
    grouped = await read_in_tenant(
        ctx, lambda s: reads.read_outcome_feedback(s, ctx.viewer.tenant_id, ids, vis)
    )
    return [[gql.FeedbackEntry.from_row(r) for r in grouped[i]] for i in ids]
