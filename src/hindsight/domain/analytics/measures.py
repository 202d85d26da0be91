"""Dashboard metrics (docs/concepts/dashboards.md), read from rollups: O(days × groups) rows, never
outcomes.

A dashboard period covers whole days, ``[from.date(), to.date()]``, in its time zone (UTC by
default: the rollups' days; another zone is read from the outcome rows by ``local_days``); an
outcome counts on the day the agent acted, whatever day it resolved. Rates with a zero
denominator are None.
Response quality is aggregated from ``feedback_entries`` (an indexed range scan: feedback is
human-paced, orders of magnitude rarer than outcomes) joined to the outcomes it rates.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db import dialects
from hindsight.db.models import FeedbackEntry, OutcomeRecord, OutcomeRollup
from hindsight.domain import team
from hindsight.domain.analytics import local_days
from hindsight.domain.analytics.counts import Counts
from hindsight.domain.analytics.metrics import METRICS
from hindsight.domain.feedback.ratings import RATINGS
from hindsight.domain.outcomes.lookup import in_reach


@dataclass(frozen=True)
class DashboardScope:
    """One rep, one team (its team_id or its members' outcomes), or the whole tenant."""

    rep_id: str | None = None
    team_id: str | None = None


@dataclass(frozen=True)
class Days:
    first: dt.date
    last: dt.date
    zone: str = "UTC"  # an IANA name: the days are calendar days there

    @classmethod
    def covering(cls, start: dt.datetime, end: dt.datetime, zone: str = "UTC") -> Days:
        tz = ZoneInfo(zone)
        return cls(start.astimezone(tz).date(), end.astimezone(tz).date(), zone)

    @classmethod
    def until(cls, start: dt.datetime, end: dt.datetime, zone: str = "UTC") -> Days:
        """The days of ``[start, end)``, for an exclusive end such as the next midnight."""
        return cls.covering(start, end - dt.timedelta(microseconds=1), zone)

    @property
    def start(self) -> dt.datetime:
        """Midnight (in the zone) starting the first day, as a UTC instant."""
        return midnight(self.first, self.zone)

    @property
    def stop(self) -> dt.datetime:
        """The first instant after the last day (the next midnight in the zone), in UTC."""
        return midnight(self.last + dt.timedelta(days=1), self.zone)

    @property
    def count(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Days:
        """The period of equal length (in days) just before this one."""
        span = dt.timedelta(days=self.count)
        return Days(self.first - span, self.last - span, self.zone)

    def each(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=i) for i in range(self.count)]


def midnight(day: dt.date, zone: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), ZoneInfo(zone)).astimezone(dt.UTC)


@dataclass(frozen=True)
class RatingCount:
    source: str
    rating: int
    count: int


@dataclass(frozen=True)
class Quality:
    count: int
    mean_score: float | None
    distribution: list[RatingCount]


@dataclass(frozen=True)
class Metrics:
    """One typed field per entry of ``metrics.METRICS``, in its order (int for a count,
    float | None for a rate), then response quality (tests/domain/test_metrics.py)."""

    actions: int
    pending: int
    positive: int
    negative: int
    ambiguous: int
    expired: int
    success_rate: float | None
    engagement_score: float | None
    qualification_completion_rate: float | None
    deal_progression_rate: float | None
    escalation_rate: float | None
    response_quality: Quality


@dataclass(frozen=True)
class TrendPoint:
    day: dt.date
    metrics: Metrics


def metrics(c: Counts) -> Metrics:
    """The metric block of docs/concepts/dashboards.md from one set of counts: every entry of
    ``METRICS``, then response quality."""
    values: dict[str, Any] = {m.name: m.compute(c) for m in METRICS}
    return Metrics(**values, response_quality=quality(c))


def quality(c: Counts) -> Quality:
    count = sum(n for n, _ in c.ratings.values())
    total = sum(s for _, s in c.ratings.values())
    distribution = [RatingCount(s, r, c.ratings.get((s, r), (0, 0.0))[0]) for s, r in RATINGS]
    return Quality(count, total / count if count else None, distribution)


async def daily_counts(
    session: AsyncSession, tenant_id: uuid.UUID, scope: DashboardScope, days: Days
) -> dict[dt.date, Counts]:
    """Counts per day of ``days`` for ``scope`` (days without activity included)."""
    by_day = {day: Counts() for day in days.each()}
    for day, outcome_type, status, count in await _outcome_rows(session, tenant_id, scope, days):
        by_day[_as_date(day)].outcomes[(outcome_type, status)] += count
    for day, source, rating, count, total in await _feedback_rows(session, tenant_id, scope, days):
        by_day[day].add_rating((source, rating), int(count), float(total))
    return by_day


async def _outcome_rows(
    session: AsyncSession, tenant_id: uuid.UUID, scope: DashboardScope, days: Days
) -> list[local_days.Row]:
    if days.zone != "UTC":
        where = local_days.in_scope(tenant_id, scope.rep_id, scope.team_id)
        key = local_days.day_key(session, days.zone)
        return await local_days.count_rows(session, tenant_id, where, (days.start, days.stop), key)
    return await rollup_counts(session, tenant_id, scope, days, OutcomeRollup.day)


async def rollup_counts(
    session: AsyncSession, tenant_id: uuid.UUID, scope: DashboardScope, days: Days, column: Any
) -> list[local_days.Row]:
    """(``column``, outcome type, status, count) summed from the rollups of ``days`` (UTC
    days) in ``scope``, grouped by ``column``."""
    rows = await session.execute(
        select(
            column,
            OutcomeRollup.outcome_type,
            OutcomeRollup.status,
            func.sum(OutcomeRollup.count),
        )
        .where(
            OutcomeRollup.tenant_id == tenant_id,
            OutcomeRollup.day >= days.first,
            OutcomeRollup.day <= days.last,
            rollup_scope(tenant_id, scope),
        )
        .group_by(column, OutcomeRollup.outcome_type, OutcomeRollup.status)
    )
    return [(key, t, s, int(n)) for key, t, s, n in rows.all()]


def rollup_scope(tenant_id: uuid.UUID, scope: DashboardScope) -> ColumnElement[bool]:
    if scope.rep_id is not None:
        return OutcomeRollup.rep_id == scope.rep_id
    if scope.team_id is not None:
        return or_(
            OutcomeRollup.team_id == scope.team_id,
            OutcomeRollup.rep_id.in_(team.members(tenant_id, scope.team_id)),
        )
    return OutcomeRollup.tenant_id == tenant_id


async def _feedback_rows(
    session: AsyncSession, tenant_id: uuid.UUID, scope: DashboardScope, days: Days
) -> list[tuple[dt.date, str, int, int, float]]:
    day = dialects.local_day(session, FeedbackEntry.created_at, days.zone)
    stmt = feedback_in_scope(select(day), tenant_id, scope, days)
    rows = await session.execute(stmt.group_by(day, FeedbackEntry.source, FeedbackEntry.rating))
    return [(_as_date(d), s, r, n, t) for d, s, r, n, t in rows.all()]


def feedback_in_scope(
    stmt: Select[Any], tenant_id: uuid.UUID, scope: DashboardScope, days: Days
) -> Select[Any]:
    """Adds (source, rating, count, Σ score) of the feedback *given* on ``days`` (its
    ``created_at``, the one date every entry has) that rates an outcome inside ``scope``
    — the same outcomes the scope's counts cover; the whole tenant's for the tenant."""
    stmt = stmt.add_columns(
        FeedbackEntry.source, FeedbackEntry.rating, func.count(), func.sum(FeedbackEntry.score)
    ).where(
        FeedbackEntry.tenant_id == tenant_id,
        FeedbackEntry.created_at >= days.start,
        FeedbackEntry.created_at < days.stop,
    )
    if scope.rep_id is None and scope.team_id is None:
        return stmt
    stmt = stmt.join(
        OutcomeRecord,
        (OutcomeRecord.tenant_id == FeedbackEntry.tenant_id)
        & (OutcomeRecord.id == FeedbackEntry.outcome_id),
    )
    return in_reach(stmt, tenant_id, scope.rep_id, scope.team_id)


def _as_date(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def combine(counts: list[Counts]) -> Counts:
    total = Counts()
    for c in counts:
        for key, v in c.outcomes.items():
            total.outcomes[key] += v
        for rating_key, (n, s) in c.ratings.items():
            total.add_rating(rating_key, n, s)
    return total
