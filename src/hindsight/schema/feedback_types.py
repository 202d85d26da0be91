"""Feedback output and input types (DESIGN.md §5, §9)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from hindsight.db import models
from hindsight.domain import feedback_summary as summaries
from hindsight.schema import enums, formulas
from hindsight.schema.connections import OrderDirection
from hindsight.schema.node import Node
from hindsight.schema.period import PeriodInput
from hindsight.schema.types import ValidationError


@strawberry.type
class FeedbackEntry(Node):
    target_type: enums.FeedbackTarget
    target_id: str
    conversation_id: str | None
    outcome_id: strawberry.ID | None
    source: enums.FeedbackSource
    rating: int
    score: float
    comment: str | None
    tags: list[str]
    reviewer_id: str
    reviewer_role: enums.Role
    created_at: dt.datetime = strawberry.field(description="When the entry was first given.")
    updated_at: dt.datetime = strawberry.field(description="When it was last (re-)rated.")

    @classmethod
    def from_row(cls, row: models.FeedbackEntry) -> FeedbackEntry:
        return cls(
            id=strawberry.ID(str(row.id)),
            target_type=enums.FeedbackTarget(row.target_type),
            target_id=row.target_id,
            conversation_id=row.conversation_id,
            outcome_id=strawberry.ID(str(row.outcome_id)) if row.outcome_id else None,
            source=enums.FeedbackSource(row.source),
            rating=row.rating,
            score=row.score,
            comment=row.comment,
            tags=list(row.tags or []),
            reviewer_id=row.reviewer_id,
            reviewer_role=enums.Role(row.reviewer_role),
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@strawberry.type
class RatingCount:
    source: enums.FeedbackSource
    rating: int
    count: int


@strawberry.type
class FeedbackTrendPoint:
    day: dt.date
    count: int
    mean_score: float | None


@strawberry.type(description=formulas.FEEDBACK_SUMMARY)
class FeedbackSummary:
    from_: dt.datetime = strawberry.field(name="from")
    to: dt.datetime
    count: int
    mean_score: float | None
    distribution: list[RatingCount]
    trend: list[FeedbackTrendPoint]
    by_target_type: JSON = strawberry.field(description='{"MESSAGE": {count, meanScore}, …}')
    by_tag: JSON = strawberry.field(description='{"tag": {count, meanScore}, …}')

    @classmethod
    def from_domain(
        cls, summary: summaries.Summary, start: dt.datetime, end: dt.datetime
    ) -> FeedbackSummary:
        return cls(
            from_=start,
            to=end,
            count=summary.count,
            mean_score=summary.mean_score,
            distribution=[
                RatingCount(source=enums.FeedbackSource(g.key[0]), rating=g.key[1], count=g.count)
                for g in summary.distribution
            ],
            trend=[
                FeedbackTrendPoint(day=g.key, count=g.count, mean_score=g.mean)
                for g in summary.trend
            ],
            by_target_type=_by_key(summary.by_target_type),
            by_tag=_by_key(summary.by_tag),
        )


def _by_key(groups: list[summaries.Group]) -> JSON:
    return JSON({str(g.key): {"count": g.count, "meanScore": g.mean} for g in groups})


@strawberry.input
class RecordFeedbackInput:
    target_type: enums.FeedbackTarget
    target_id: str
    conversation_id: str | None = None
    outcome_id: strawberry.ID | None = None
    source: enums.FeedbackSource
    rating: int
    comment: str | None = None
    tags: list[str] | None = None
    occurred_at: dt.datetime | None = strawberry.field(
        default=None,
        description="When the feedback was given (default now): the day every report counts "
        "it on. Same rules as an outcome's occurredAt: at most 5 minutes in the future, at "
        "most the longest outcome window (720 h) back. A re-rating keeps the first day.",
    )


@strawberry.input(
    description="Which feedback entries: every given field must match (the same shape as "
    "OutcomeFilter; rep, team and action type through the rated outcome)."
)
class FeedbackFilter:
    period: PeriodInput | None = strawberry.field(
        default=None,
        description="Entries first given on the period's whole days (as dashboards count "
        "them). feedbackSummary defaults to the 30 days ending today; feedbackEntries to "
        "all time.",
    )
    reviewer_id: str | None = strawberry.field(default=None, description="Given by this reviewer.")
    rep_id: str | None = strawberry.field(default=None, description="Rating this rep's outcomes.")
    team_id: str | None = strawberry.field(
        default=None, description="Rating outcomes of this team (its `teamId` or its members)."
    )
    action_types: list[str] | None = strawberry.field(
        default=None, description="Rating outcomes of any of these action types."
    )
    target_types: list[enums.FeedbackTarget] | None = strawberry.field(
        default=None, description="On any of these kinds of target."
    )
    sources: list[enums.FeedbackSource] | None = strawberry.field(
        default=None, description="From any of these sources."
    )
    conversation_id: str | None = strawberry.field(
        default=None, description="On this conversation."
    )
    outcome_id: strawberry.ID | None = strawberry.field(
        default=None, description="On this outcome."
    )
    created_after: dt.datetime | None = strawberry.field(
        default=None, description="First given at or after this instant (with an offset)."
    )
    created_before: dt.datetime | None = strawberry.field(
        default=None, description="First given before this instant (with an offset)."
    )
    action_type: str | None = strawberry.field(
        default=None,
        description="Rating outcomes of this action type.",
        deprecation_reason="Use actionTypes.",
    )
    target_type: enums.FeedbackTarget | None = strawberry.field(
        default=None, description="On this kind of target.", deprecation_reason="Use targetTypes."
    )


@strawberry.enum(description="What a list of feedback entries can be sorted by (ties: by id).")
class FeedbackOrderField(enum.Enum):
    CREATED_AT = strawberry.enum_value("CREATED_AT", description="When first given.")
    UPDATED_AT = strawberry.enum_value("UPDATED_AT", description="When last (re-)rated.")
    SCORE = strawberry.enum_value("SCORE", description="The normalised score (0..1).")


@strawberry.input(description="How to sort feedback entries; default: newest first.")
class FeedbackOrder:
    field: FeedbackOrderField = strawberry.field(
        default=FeedbackOrderField.CREATED_AT, description="The sort key."
    )
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.DESC, description="The direction."
    )


RecordFeedbackResult = Annotated[
    FeedbackEntry | ValidationError, strawberry.union("RecordFeedbackResult")
]
