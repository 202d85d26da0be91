"""Human feedback (docs/concepts/feedback.md): the rating rules, recording (one entry per reviewer,
target and source) and reviewer fatigue. Reads live in ``reads``."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db import dialects
from hindsight.db.models import FeedbackEntry, OutcomeRecord
from hindsight.domain import events, validation
from hindsight.domain.access import Scope
from hindsight.domain.enums import FeedbackSource, FeedbackTarget, Role
from hindsight.domain.errors import ValidationFailed
from hindsight.domain.outcomes import lookup as outcomes
from hindsight.domain.outcomes.rules import OutcomeRules

INLINE_SCORES = {-1: 0.0, 0: 0.5, 1: 1.0}
DASHBOARD_RATINGS = range(1, 6)
# Every (source, rating) a reviewer can give, in display order: a distribution's buckets.
RATINGS = [(FeedbackSource.INLINE.value, r) for r in INLINE_SCORES] + [
    (FeedbackSource.DASHBOARD.value, r) for r in DASHBOARD_RATINGS
]
MAX_COMMENT = 2000
MAX_TAGS = 10
TAG = re.compile(r"[a-z0-9_-]{1,32}")
UNIQUE_KEY = ["tenant_id", "reviewer_id", "target_type", "target_id", "source"]
UPDATED = (  # a re-rating overwrites these; the key, the id and created_at stay
    "rating",
    "score",
    "comment",
    "tags",
    "conversation_id",
    "outcome_id",
    "reviewer_role",
    "updated_at",
)
HISTORY_DAYS = 14


@dataclass(frozen=True)
class NewFeedback:
    target_type: FeedbackTarget
    target_id: str
    source: FeedbackSource
    rating: int
    conversation_id: str | None = None
    outcome_id: str | None = None
    comment: str | None = None
    tags: list[str] | None = None
    occurred_at: dt.datetime | None = None  # when it was given; default now


def score(source: FeedbackSource, rating: int) -> float:
    """INLINE -1/0/1 → 0/0.5/1; DASHBOARD 1..5 → (rating - 1)/4; anything else is invalid."""
    if source == FeedbackSource.INLINE:
        if rating not in INLINE_SCORES:
            raise ValidationFailed("rating", "INLINE ratings are -1, 0 or 1")
        return INLINE_SCORES[rating]
    if rating not in DASHBOARD_RATINGS:
        raise ValidationFailed("rating", "DASHBOARD ratings are 1 to 5")
    return (rating - 1) / 4


def clean_tags(values: Sequence[str] | None) -> list[str]:
    """At most 10 distinct tags, each ``[a-z0-9_-]{1,32}``; order kept, repeats dropped."""
    tags = list(dict.fromkeys(values or []))
    if len(tags) > MAX_TAGS:
        raise ValidationFailed("tags", f"at most {MAX_TAGS} tags")
    bad = next((t for t in tags if not TAG.fullmatch(t)), None)
    if bad is not None:
        raise ValidationFailed("tags", f"{bad!r} must match [a-z0-9_-]{{1,32}}")
    return tags


def _validated(new: NewFeedback) -> dict[str, Any]:
    if new.comment is not None and len(new.comment) > MAX_COMMENT:
        raise ValidationFailed("comment", f"must be at most {MAX_COMMENT:,} characters")
    return {
        "target_type": FeedbackTarget(new.target_type).value,
        "target_id": validation.identifier(new.target_id, "targetId", required=True),
        "source": FeedbackSource(new.source).value,
        "rating": new.rating,
        "score": score(FeedbackSource(new.source), new.rating),
        "comment": new.comment or None,
        "tags": clean_tags(new.tags),
    }


async def record_feedback(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    new: NewFeedback,
    *,
    reviewer_id: str,
    reviewer_role: Role,
    scope: Scope,
    now: dt.datetime,
    rules: OutcomeRules | None = None,
) -> FeedbackEntry:
    """Store a rating; the same reviewer rating the same target from the same source again
    updates their entry (INSERT … ON CONFLICT DO UPDATE, so racing calls leave one row).

    ``occurred_at`` (when it was given; the day every report counts it on) follows the
    outcomes' past-time rules: at most ``clock_skew`` ahead, at most the longest window back.
    A re-rating keeps the day the entry was first given. A linked outcome (``outcomeId``, or
    an ``OUTCOME`` target) must be within ``scope`` (the reviewer's reach), else
    ``NotFound`` exactly as reading it would be."""
    values = _validated(new)
    given_at = _given_at(new, rules, now)
    outcome = await _linked_outcome(session, tenant_id, _outcome_id(new), scope)
    row = {
        **values,
        "tenant_id": tenant_id,
        "id": uuid.uuid4(),
        "conversation_id": _conversation(new, outcome),
        "outcome_id": outcome.id if outcome else None,
        "reviewer_id": reviewer_id,
        "reviewer_role": Role(reviewer_role).value,
        "created_at": given_at,
        "updated_at": now,
    }
    stmt = dialects.insert(session, FeedbackEntry).values(**row)
    stmt = stmt.on_conflict_do_update(
        index_elements=UNIQUE_KEY, set_={k: stmt.excluded[k] for k in UPDATED}
    ).returning(FeedbackEntry)
    entry: FeedbackEntry = (
        await session.execute(stmt, execution_options={"populate_existing": True})
    ).scalar_one()
    payload = {
        "feedbackId": str(entry.id),
        "reviewerId": reviewer_id,
        "repId": outcome.rep_id if outcome else None,
    }
    events.emit(session, events.FEEDBACK, payload)
    return entry


def _given_at(new: NewFeedback, rules: OutcomeRules | None, now: dt.datetime) -> dt.datetime:
    if new.occurred_at is None:
        return now
    if rules is None:
        raise TypeError("a backdated entry needs the outcome rules to check its time")
    return validation.past_time(
        new.occurred_at, "occurredAt", now=now, skew=rules.clock_skew, oldest=rules.longest_window
    )


def _outcome_id(new: NewFeedback) -> str | None:
    """The outcome the entry is about: ``outcomeId``, or the target when that is an outcome
    (both must then name the same one), so a target passes the same reach check."""
    if new.target_type != FeedbackTarget.OUTCOME:
        return new.outcome_id
    if new.outcome_id and new.outcome_id != new.target_id:
        raise ValidationFailed("outcomeId", "differs from targetId (an OUTCOME target)")
    return new.target_id


async def _linked_outcome(
    session: AsyncSession, tenant_id: uuid.UUID, outcome_id: str | None, scope: Scope
) -> OutcomeRecord | None:
    if not outcome_id:
        return None
    return await outcomes.read_outcome(session, tenant_id, outcome_id, scope)


def _conversation(new: NewFeedback, outcome: OutcomeRecord | None) -> str | None:
    """The given conversation, else the linked outcome's, else a CONVERSATION target's id."""
    given = validation.identifier(new.conversation_id, "conversationId")
    if outcome is not None:
        if given is not None and given != outcome.conversation_id:
            raise ValidationFailed("conversationId", "differs from the outcome's conversation")
        return outcome.conversation_id
    if given is None and new.target_type == FeedbackTarget.CONVERSATION:
        return new.target_id
    return given


def fatigued(last_day: int, previous_days: int, *, daily_cap: int) -> bool:
    """More than ``daily_cap`` entries in the last 24 h, or — when the reviewer gave any in
    the 14 days before that — at least twice their daily mean of those 14 days
    (``last_day ≥ 2 · previous_days / 14``, compared in integers)."""
    if last_day > daily_cap:
        return True
    return previous_days > 0 and last_day * HISTORY_DAYS >= 2 * previous_days


async def should_request_feedback(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    reviewer_id: str,
    *,
    now: dt.datetime,
    daily_cap: int,
) -> bool:
    """Whether to ask ``reviewer_id`` for feedback now: not while ``fatigued``. Entries count
    by when they were first given: the last day is (now - 24 h, now], the history the 14
    days (now - 15 d, now - 24 h] before it; re-rating an entry adds nothing."""
    day_ago = now - dt.timedelta(days=1)
    start = day_ago - dt.timedelta(days=HISTORY_DAYS)
    recent = func.coalesce(func.sum(case((FeedbackEntry.created_at > day_ago, 1), else_=0)), 0)
    stmt = select(recent, func.count()).where(
        FeedbackEntry.tenant_id == tenant_id,
        FeedbackEntry.reviewer_id == reviewer_id,
        FeedbackEntry.created_at > start,
        FeedbackEntry.created_at <= now,
    )
    last_day, total = (await session.execute(stmt)).one()
    return not fatigued(int(last_day), int(total) - int(last_day), daily_cap=daily_cap)
