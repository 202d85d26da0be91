"""Feedback root fields: input to domain values, one resolver, the result mapped."""

from __future__ import annotations

from typing import Annotated

import strawberry

from hindsight.resolvers import feedback as resolvers
from hindsight.schema import args
from hindsight.schema.connections import AFTER, BEFORE, FIRST, LAST, Connection, paged
from hindsight.schema.context import Info
from hindsight.schema.errors import written_or_refused
from hindsight.schema.feedback import (
    FeedbackEntry,
    FeedbackFilter,
    FeedbackOrder,
    FeedbackSummary,
    RecordFeedbackInput,
    RecordFeedbackResult,
)

FILTER = strawberry.argument(description="Only entries matching every given field.")
ORDER = strawberry.argument(description="Sort key and direction; default CREATED_AT DESC.")


@strawberry.type
class FeedbackQuery:
    @strawberry.field(description="One feedback entry; NOT_FOUND when it is not yours to see.")
    async def feedback(
        self, info: Info, id: Annotated[strawberry.ID, args.ID]
    ) -> FeedbackEntry | None:
        return FeedbackEntry.from_row(await resolvers.feedback_entry(info.context, str(id)))

    @strawberry.field(description="Feedback on one conversation that you may see, oldest first.")
    async def feedback_for_conversation(
        self,
        info: Info,
        conversation_id: Annotated[str, strawberry.argument(description="The conversation.")],
    ) -> list[FeedbackEntry]:
        rows = await resolvers.feedback_for_conversation(info.context, conversation_id)
        return [FeedbackEntry.from_row(r) for r in rows]

    @strawberry.field(
        description="Feedback entries you may see, newest first unless `orderBy` says "
        "otherwise, as a Relay cursor connection (REP: given by them or on their outcomes; "
        "MANAGER: also their team's; EXECUTIVE, ANALYST, ADMIN: all; AGENT: none)."
    )
    async def feedback_entries(
        self,
        info: Info,
        filter: Annotated[FeedbackFilter | None, FILTER] = None,
        first: Annotated[int | None, FIRST] = strawberry.UNSET,
        after: Annotated[str | None, AFTER] = None,
        last: Annotated[int | None, LAST] = strawberry.UNSET,
        before: Annotated[str | None, BEFORE] = None,
        order_by: Annotated[FeedbackOrder | None, ORDER] = None,
    ) -> Connection[FeedbackEntry] | None:
        window = paged(first, after, last, before)
        asked = (filter or FeedbackFilter()).to_domain()
        sort = order_by.to_domain() if order_by else None
        page, count = await resolvers.feedback_entries(info.context, asked, window, sort)
        return Connection.from_page(page, FeedbackEntry.from_row, count)

    @strawberry.field(description="Counts, mean score, distribution and daily trend of feedback.")
    async def feedback_summary(
        self, info: Info, filter: Annotated[FeedbackFilter | None, FILTER] = None
    ) -> FeedbackSummary | None:
        asked = (filter or FeedbackFilter()).to_domain()
        flt, summary = await resolvers.feedback_summary(info.context, asked)
        return FeedbackSummary.from_domain(summary, flt.start, flt.end)

    @strawberry.field(
        description="False while the reviewer is fatigued: more than feedback_daily_cap (50) "
        "new entries in 24 h, or at least twice their daily mean over the 14 days before."
    )
    async def should_request_feedback(
        self,
        info: Info,
        reviewer_id: Annotated[str, strawberry.argument(description="The person to ask.")],
    ) -> bool:
        return await resolvers.should_request_feedback(info.context, reviewer_id)


@strawberry.type
class FeedbackMutation:
    @strawberry.mutation(description="Rate a message, decision, conversation or outcome.")
    async def record_feedback(
        self, info: Info, input: Annotated[RecordFeedbackInput, args.INPUT]
    ) -> RecordFeedbackResult:
        result = await resolvers.record_feedback(info.context, input.to_domain())
        return written_or_refused(result, FeedbackEntry.from_row)
