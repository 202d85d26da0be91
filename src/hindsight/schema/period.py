"""``PeriodInput`` (DESIGN.md §9), shared by feedback summaries and the dashboards."""

from __future__ import annotations

import datetime as dt

import strawberry

from hindsight.domain.analytics import Days
from hindsight.domain.errors import ValidationFailed

DEFAULT_DAYS = 30
MAX_DAYS = 366


@strawberry.input(description="A time range, both ends inclusive; default: the last 30 days.")
class PeriodInput:
    from_: dt.datetime | None = strawberry.field(default=None, name="from")
    to: dt.datetime | None = None


def bounds(
    period: PeriodInput | None, now: dt.datetime, *, days: int = DEFAULT_DAYS
) -> tuple[dt.datetime, dt.datetime]:
    """``(from, to)`` in UTC: ``to`` defaults to now and ``from`` to ``days`` before ``to``;
    ``from`` after ``to`` or a span over 366 days is a validation error."""
    end = _utc(period.to if period else None, "period.to") or now
    start = _utc(period.from_ if period else None, "period.from") or end - dt.timedelta(days=days)
    if start > end:
        raise ValidationFailed("period", "from must not be after to")
    if end - start > dt.timedelta(days=MAX_DAYS):
        raise ValidationFailed("period", f"must span at most {MAX_DAYS} days")
    return start, end


def period_days(period: PeriodInput | None, now: dt.datetime) -> Days:
    """The whole UTC days a report covers: ``[from.date(), to.date()]``; without ``from``,
    the ``DEFAULT_DAYS`` days ending on ``to``'s day (today by default)."""
    days = Days.covering(*bounds(period, now))
    if period is None or period.from_ is None:
        days = Days(days.last - dt.timedelta(days=DEFAULT_DAYS - 1), days.last)
    return days


def _utc(value: dt.datetime | None, field: str) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValidationFailed(field, "must carry a UTC offset")
    return value.astimezone(dt.UTC)
