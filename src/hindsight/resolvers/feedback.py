"""Feedback resolvers: read the viewer, check the right, call the domain.

They take domain values and return domain values (rows, a page with its count, the summary
with its filter, the domain error of ``RecordFeedbackResult``); ``api/feedback.py`` maps
them.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Awaitable, Callable

from hindsight.context import Context
from hindsight.db import models
from hindsight.domain import access, paging
from hindsight.domain.errors import ValidationFailed
from hindsight.domain.feedback import filters, listing, reads
from hindsight.domain.feedback import ratings as feedback
from hindsight.domain.feedback import summary as summaries
from hindsight.resolvers.common import (
    authorize,
    directly,
    read_about_rep,
    read_in_tenant,
    write,
)

Counter = Callable[[], Awaitable[int]]


async def record_feedback(
    ctx: Context, new: feedback.NewFeedback
) -> models.FeedbackEntry | ValidationFailed:
    """The reviewer is the token's subject and role, never a field of the input."""
    grant = await authorize(ctx, "recordFeedback")
    viewer = grant.viewer
    now = ctx.services.now()
    return await write(
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


async def feedback_entry(ctx: Context, feedback_id: str) -> models.FeedbackEntry:
    vis = reads.visibility(await authorize(ctx, "feedback"))
    return await read_in_tenant(
        ctx, lambda s: reads.read_feedback(s, ctx.viewer.tenant_id, feedback_id, vis)
    )


async def feedback_for_conversation(
    ctx: Context, conversation_id: str
) -> list[models.FeedbackEntry]:
    vis = reads.visibility(await authorize(ctx, "feedbackForConversation"))
    tenant_id = ctx.viewer.tenant_id
    return await read_in_tenant(
        ctx, lambda s: reads.read_conversation_feedback(s, tenant_id, conversation_id, vis)
    )


async def feedback_summary(
    ctx: Context, asked: filters.AskedFilter
) -> tuple[summaries.SummaryFilter, summaries.Summary]:
    """The summary and what it covers (its ``start``/``end`` are the period's whole days)."""
    vis = reads.visibility(await authorize(ctx, "feedbackSummary"), rep_id=asked.rep_id)
    flt = filters.summary_filter(asked, ctx.services.now())
    summary = await read_in_tenant(
        ctx, lambda s: summaries.summarise(s, ctx.viewer.tenant_id, flt, vis)
    )
    return flt, summary


async def feedback_entries(
    ctx: Context,
    asked: filters.AskedFilter,
    window: paging.Window,
    sort: paging.Order | None = None,
) -> tuple[paging.Page[models.FeedbackEntry], Counter]:
    """One page of the entries the viewer may see, and how to count them all (on demand)."""
    vis = reads.visibility(await authorize(ctx, "feedbackEntries"), rep_id=asked.rep_id)
    checked = window.checked(ctx.services.settings.max_page_size)
    where = filters.entry_filter(asked, ctx.services.now())
    tenant_id = ctx.viewer.tenant_id
    page = await read_in_tenant(
        ctx,
        lambda s: listing.read_entries(s, tenant_id, where, vis, window=checked, sort=sort),
    )

    def count() -> Awaitable[int]:
        return read_in_tenant(ctx, lambda s: listing.count_entries(s, tenant_id, where, vis))

    return page, count


async def should_request_feedback(ctx: Context, reviewer_id: str) -> bool:
    """The agent asks before prompting a person; people ask about whom they reach. One unit
    of work: a MANAGER's reach (the directory) is read in the answer's transaction."""
    grant = access.grant(ctx.viewer, "shouldRequestFeedback")
    svc, tenant_id = ctx.services, ctx.viewer.tenant_id
    return await read_about_rep(
        ctx,
        grant,
        reviewer_id,
        directly,
        lambda s: feedback.should_request_feedback(
            s,
            tenant_id,
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
