"""The aggregates coaching reads, each one GROUP BY in SQL (docs/concepts/coaching.md).

Action and outcome-type counts come from ``outcome_rollups`` (O(days × groups) rows);
escalation triggers need ``metadata`` and so group the outcome rows themselves; feedback
means join ``feedback_entries`` (by the day each was given) to their outcomes. Python only
folds the grouped rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db.models import FeedbackEntry, OutcomeRecord, OutcomeRollup
from hindsight.domain.analytics.measures import Days
from hindsight.domain.calibration.statistics import wilson_interval
from hindsight.domain.enums import OutcomeStatus, OutcomeType

POSITIVE, NEGATIVE = OutcomeStatus.POSITIVE.value, OutcomeStatus.NEGATIVE.value
NO_TRIGGER = "unspecified"


@dataclass(frozen=True)
class Tally:
    """Outcome counts of one subject by status, and Σ predicted confidence of the decided."""

    subject: str
    counts: dict[str, int] = field(default_factory=dict)
    decided_confidence: float = 0.0

    @property
    def positive(self) -> int:
        return self.counts.get(POSITIVE, 0)

    @property
    def decided(self) -> int:
        """POSITIVE + NEGATIVE: the denominator of every success rate."""
        return self.positive + self.counts.get(NEGATIVE, 0)

    @property
    def rate(self) -> float | None:
        return self.positive / self.decided if self.decided else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson_interval(self.positive, self.decided)

    @property
    def wilson_low(self) -> float:
        """The 95% Wilson lower bound of the rate; 0 with nothing decided."""
        return self.interval[0] if self.interval else 0.0

    @property
    def wilson_high(self) -> float:
        """The 95% Wilson upper bound of the rate; 1 with nothing decided."""
        return self.interval[1] if self.interval else 1.0

    @property
    def mean_confidence(self) -> float | None:
        return self.decided_confidence / self.decided if self.decided else None

    def all_counts(self) -> dict[str, int]:
        """Every status, zeros included."""
        return {s.value: self.counts.get(s.value, 0) for s in OutcomeStatus}


@dataclass(frozen=True)
class Rating:
    """How many feedback entries rate a subject's outcomes and the sum of their scores."""

    count: int
    total: float

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.count else None


def fold(rows: Iterable[Any]) -> list[Tally]:
    """Grouped rows ``(subject, status, count, Σ confidence)`` → one tally per subject."""
    counts: dict[str, dict[str, int]] = {}
    confidence: dict[str, float] = {}
    for key, status, count, total in rows:
        subject = str(key)  # SQLite hands back a numeric JSON trigger as a number
        counts.setdefault(subject, {})[status] = int(count or 0)
        if status in (POSITIVE, NEGATIVE):
            confidence[subject] = confidence.get(subject, 0.0) + float(total or 0.0)
    return [Tally(s, counts[s], confidence.get(s, 0.0)) for s in sorted(counts)]


async def rollup_tallies(
    session: AsyncSession, tenant_id: uuid.UUID, *, days: Days, by: Any
) -> list[Tally]:
    """Counts per ``by`` (an ``OutcomeRollup`` column) and status over ``days``."""
    stmt = (
        select(
            by,
            OutcomeRollup.status,
            func.sum(OutcomeRollup.count),
            func.sum(OutcomeRollup.sum_confidence),
        )
        .where(
            OutcomeRollup.tenant_id == tenant_id,
            OutcomeRollup.day >= days.first,
            OutcomeRollup.day <= days.last,
        )
        .group_by(by, OutcomeRollup.status)
    )
    return fold(await session.execute(stmt))


async def action_tallies(session: AsyncSession, tenant_id: uuid.UUID, *, days: Days) -> list[Tally]:
    return await rollup_tallies(session, tenant_id, days=days, by=OutcomeRollup.action_type)


async def outcome_type_tallies(
    session: AsyncSession, tenant_id: uuid.UUID, *, days: Days
) -> list[Tally]:
    return await rollup_tallies(session, tenant_id, days=days, by=OutcomeRollup.outcome_type)


def _acted_within(tenant_id: uuid.UUID, days: Days) -> Any:
    return and_(
        OutcomeRecord.tenant_id == tenant_id,
        OutcomeRecord.created_at >= days.start,
        OutcomeRecord.created_at < days.stop,
    )


async def trigger_tallies(
    session: AsyncSession, tenant_id: uuid.UUID, *, days: Days
) -> list[Tally]:
    """ESCALATION outcomes per ``metadata.trigger`` and status (no trigger: ``unspecified``).

    The trigger is selected in a subquery so GROUP BY names a column, not a JSON path
    expression whose bound key PostgreSQL would not recognise as the same expression.
    """
    trigger = func.coalesce(OutcomeRecord.meta["trigger"].as_string(), NO_TRIGGER)
    rows = (
        select(trigger.label("trigger"), OutcomeRecord.status, OutcomeRecord.predicted_confidence)
        .where(
            _acted_within(tenant_id, days),
            OutcomeRecord.outcome_type == OutcomeType.ESCALATION.value,
        )
        .subquery()
    )
    stmt = select(
        rows.c.trigger, rows.c.status, func.count(), func.sum(rows.c.predicted_confidence)
    ).group_by(rows.c.trigger, rows.c.status)
    return fold(await session.execute(stmt))


async def feedback_by_action(
    session: AsyncSession, tenant_id: uuid.UUID, *, days: Days
) -> dict[str, Rating]:
    """Count and Σ score of the feedback *given* on ``days`` (its ``created_at``, as every
    dashboard counts it) on each action type's outcomes, whenever those were acted on."""
    linked = and_(
        OutcomeRecord.tenant_id == FeedbackEntry.tenant_id,
        OutcomeRecord.id == FeedbackEntry.outcome_id,
    )
    stmt = (
        select(
            OutcomeRecord.action_type, func.count(FeedbackEntry.id), func.sum(FeedbackEntry.score)
        )
        .select_from(FeedbackEntry)
        .join(OutcomeRecord, linked)
        .where(
            FeedbackEntry.tenant_id == tenant_id,
            FeedbackEntry.created_at >= days.start,
            FeedbackEntry.created_at < days.stop,
        )
        .group_by(OutcomeRecord.action_type)
    )
    rows = await session.execute(stmt)
    return {action: Rating(int(n), float(total or 0.0)) for action, n, total in rows}
