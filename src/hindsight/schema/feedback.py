"""Feedback output and input types (docs/concepts/feedback.md)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, TypeVar

import strawberry
from strawberry.scalars import JSON

from hindsight.db import models
from hindsight.domain.feedback import filters, listing
from hindsight.domain.feedback import ratings as feedback
from hindsight.domain.feedback import summary as summaries
from hindsight.domain.paging import Order
from hindsight.schema import args, enums, formulas, list_sizes
from hindsight.schema.connections import OrderDirection
from hindsight.schema.deprecations import going
from hindsight.schema.errors import ValidationError
from hindsight.schema.node import Node
from hindsight.schema.period import PeriodInput

RATING_BUCKETS = len(feedback.RATINGS)  # a distribution lists every (source, rating)
T = TypeVar("T")


@strawberry.type(
    description=(
        "A person's rating of something the agent did. REP: given by "
        "them or on their outcomes; MANAGER: also their team's; read-all roles: "
        "every one."
    )
)
class FeedbackEntry(Node):
    target_type: enums.FeedbackTarget = strawberry.field(description="What is rated.")
    target_id: str = strawberry.field(
        description="The rated message, decision, conversation or outcome."
    )
    conversation_id: str | None = strawberry.field(
        description="The conversation it belongs to, if given."
    )
    outcome_id: strawberry.ID | None = strawberry.field(
        description="The outcome it rates or belongs to, if any."
    )
    source: enums.FeedbackSource = strawberry.field(
        description="Where it was given; fixes the rating scale."
    )
    rating: int = strawberry.field(description="INLINE: −1, 0 or 1; DASHBOARD: 1..5.")
    score: float = strawberry.field(
        description="The rating on 0..1: INLINE (rating + 1)/2, DASHBOARD (rating − 1)/4."
    )
    comment: str | None = strawberry.field(description="Free text, ≤ 2,000 characters.")
    tags: list[str] = strawberry.field(description="Up to 10 tags.")
    reviewer_id: str = strawberry.field(description="Who gave it (their token's subject).")
    reviewer_role: enums.Role = strawberry.field(description="Their role when they gave it.")
    created_at: dt.datetime = strawberry.field(description="When the entry was first given.")
    updated_at: dt.datetime = strawberry.field(description="When it was last (re-)rated.")
    event_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="On feedbackEvents only: the event's id (deduplicate on it); null elsewhere.",
    )
    cursor: str | None = strawberry.field(
        default=None,
        description="On feedbackEvents only: pass it as `after` to resume after this event "
        "(opaque); null elsewhere.",
    )

    @classmethod
    def from_event(cls, row: models.FeedbackEntry, event_id: str, cursor: str) -> FeedbackEntry:
        """The entry as ``feedbackEvents`` delivers it: with its event's id and cursor."""
        entry = cls.from_row(row)
        entry.event_id, entry.cursor = strawberry.ID(event_id), cursor
        return entry

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


@strawberry.type(description="How many entries gave one rating from one source.")
class RatingCount:
    source: enums.FeedbackSource = strawberry.field(description="The source.")
    rating: int = strawberry.field(description="The rating.")
    count: int = strawberry.field(description="How many entries.")


@strawberry.type(description="Feedback of one day.")
class FeedbackTrendPoint:
    day: dt.date = strawberry.field(description="The calendar day (in the period's time zone).")
    count: int = strawberry.field(description="Entries first given that day.")
    mean_score: float | None = strawberry.field(
        description="Their mean score; null without entries."
    )


@strawberry.type(description=formulas.FEEDBACK_SUMMARY)
class FeedbackSummary:
    from_: dt.datetime = strawberry.field(name="from", description="The period's start (UTC).")
    to: dt.datetime = strawberry.field(description="The period's end, inclusive (UTC).")
    count: int = strawberry.field(description="Entries first given in the period.")
    mean_score: float | None = strawberry.field(
        description="Their mean score (0..1); null without entries."
    )
    distribution: list[RatingCount] = strawberry.field(
        description="Count per (source, rating), every possible rating listed.",
        metadata=list_sizes.most(RATING_BUCKETS),
    )
    trend: list[FeedbackTrendPoint] = strawberry.field(
        description="One point per day of the period, empty days included.",
        metadata=list_sizes.most(list_sizes.PER_DAY),
    )
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


@strawberry.input(description="A rating to record; the reviewer is your token's subject.")
class RecordFeedbackInput:
    target_type: enums.FeedbackTarget = strawberry.field(description="What you rate.")
    target_id: str = strawberry.field(description="Its id.")
    conversation_id: str | None = strawberry.field(
        default=None, description="The conversation it belongs to."
    )
    outcome_id: strawberry.ID | None = strawberry.field(
        default=None, description="The outcome it rates or belongs to (required for OUTCOME)."
    )
    source: enums.FeedbackSource = strawberry.field(
        description="Where the rating is given; fixes the scale."
    )
    rating: int = strawberry.field(description="INLINE: −1, 0 or 1; DASHBOARD: 1..5.")
    comment: str | None = strawberry.field(
        default=None, description="Free text, ≤ 2,000 characters."
    )
    tags: list[str] | None = strawberry.field(default=None, description="Up to 10 tags.")
    occurred_at: dt.datetime | None = strawberry.field(
        default=None,
        description="When the feedback was given (default now): the day every report counts "
        "it on. Same rules as an outcome's occurredAt: at most 5 minutes in the future, at "
        "most the longest outcome window (720 h) back. A re-rating keeps the first day.",
    )

    def to_domain(self) -> feedback.NewFeedback:
        return feedback.NewFeedback(**args.values_of(self))


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
        deprecation_reason=going("Use actionTypes."),
    )
    target_type: enums.FeedbackTarget | None = strawberry.field(
        default=None,
        description="On this kind of target.",
        deprecation_reason=going("Use targetTypes."),
    )

    def to_domain(self) -> filters.AskedFilter:
        """The filter as asked; the deprecated single values join their lists."""
        return filters.AskedFilter(
            period=self.period,
            reviewer_id=self.reviewer_id,
            rep_id=self.rep_id,
            team_id=self.team_id,
            action_types=[*(self.action_types or []), *_given(self.action_type)],
            target_types=[*(self.target_types or []), *_given(self.target_type)],
            sources=list(self.sources or []),
            conversation_id=self.conversation_id,
            outcome_id=str(self.outcome_id) if self.outcome_id is not None else None,
            created_after=self.created_after,
            created_before=self.created_before,
        )


def _given(value: T | None) -> list[T]:
    return [value] if value else []


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

    def to_domain(self) -> Order:
        return listing.order(self.field.name, descending=self.direction == OrderDirection.DESC)


RecordFeedbackResult = Annotated[
    FeedbackEntry | ValidationError,
    strawberry.union(
        "RecordFeedbackResult",
        description="The entry as stored, or why nothing was (ValidationError).",
    ),
]
