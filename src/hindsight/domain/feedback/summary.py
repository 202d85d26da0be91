"""Feedback summaries: count, mean score, distribution, daily trend, per target type and
per tag — each one GROUP BY in SQL over the entries the viewer may see."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import FromClause, func
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db import dialects
from hindsight.db.models import FeedbackEntry
from hindsight.domain.feedback.listing import FeedbackFilter, conditions
from hindsight.domain.feedback.ratings import RATINGS
from hindsight.domain.feedback.reads import Visibility, scoped


@dataclass(frozen=True)
class SummaryFilter:
    """Feedback given in ``[start, end)`` (whole UTC days, as every report counts it)."""

    start: dt.datetime
    end: dt.datetime
    where: FeedbackFilter = field(default_factory=FeedbackFilter)  # the entries' own filter
    zone: str = "UTC"  # the trend's days are calendar days in this IANA zone


@dataclass(frozen=True)
class Group:
    """One GROUP BY row: how many entries and the sum of their scores."""

    key: Any
    count: int
    total: float

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.count else None


@dataclass(frozen=True)
class Summary:
    distribution: list[Group]  # key (source, rating): every possible rating, zeros included
    trend: list[Group]  # key: each UTC day of the period, empty days included
    by_target_type: list[Group]  # key: target type, only those present
    by_tag: list[Group]  # key: tag, only those present

    @property
    def count(self) -> int:
        return sum(g.count for g in self.distribution)

    @property
    def mean_score(self) -> float | None:
        return Group(None, self.count, sum(g.total for g in self.distribution)).mean


async def summarise(
    session: AsyncSession, tenant_id: uuid.UUID, flt: SummaryFilter, vis: Visibility
) -> Summary:
    """Aggregates over entries first given in [start, end)."""

    async def grouped(*keys: Any, lateral: FromClause | None = None) -> list[Group]:
        stmt = scoped(
            tenant_id, vis, *keys, func.count(), func.sum(FeedbackEntry.score), lateral=lateral
        )
        stmt = stmt.where(FeedbackEntry.created_at >= flt.start, FeedbackEntry.created_at < flt.end)
        stmt = stmt.where(*conditions(tenant_id, flt.where))
        rows = await session.execute(stmt.group_by(*keys).order_by(*keys))
        return [Group(tuple(r[:-2]) if len(keys) > 1 else r[0], r[-2], float(r[-1])) for r in rows]

    distribution = {g.key: g for g in await grouped(FeedbackEntry.source, FeedbackEntry.rating)}
    tags = dialects.json_array_elements(session, FeedbackEntry.tags)
    day = dialects.local_day(session, FeedbackEntry.created_at, flt.zone)
    return Summary(
        distribution=[distribution.get(k, Group(k, 0, 0.0)) for k in RATINGS],
        trend=_every_day(await grouped(day), flt),
        by_target_type=await grouped(FeedbackEntry.target_type),
        by_tag=await grouped(tags.c.value, lateral=tags),
    )


def _every_day(groups: list[Group], flt: SummaryFilter) -> list[Group]:
    found = {_as_date(g.key): g for g in groups}
    zone = ZoneInfo(flt.zone)
    first = flt.start.astimezone(zone).date()
    last = (flt.end - dt.timedelta(microseconds=1)).astimezone(zone).date()
    days = (first + dt.timedelta(days=i) for i in range((last - first).days + 1))
    return [found.get(day, Group(day, 0, 0.0)) for day in days]


def _as_date(value: Any) -> Any:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value
