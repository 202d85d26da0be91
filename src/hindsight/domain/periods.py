"""A requested period (docs/reference/api.md): either end may be missing; the zone names whose
calendar days a report counts. ``PeriodInput`` in the schema is one; ``Between`` is one
built in code."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hindsight.domain.analytics.measures import Days
from hindsight.domain.errors import ValidationFailed

DEFAULT_DAYS = 30
MAX_DAYS = 366


class Period(Protocol):
    @property
    def from_(self) -> dt.datetime | None: ...
    @property
    def to(self) -> dt.datetime | None: ...
    @property
    def time_zone(self) -> str | None: ...


@dataclass(frozen=True)
class Between:
    from_: dt.datetime | None = None
    to: dt.datetime | None = None
    time_zone: str | None = "UTC"


def bounds(
    period: Period | None, now: dt.datetime, *, days: int = DEFAULT_DAYS
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


def period_days(period: Period | None, now: dt.datetime, *, utc_only: bool = False) -> Days:
    """The whole days (in the period's time zone) a report covers: ``[from's day, to's
    day]``; without ``from``, the ``DEFAULT_DAYS`` days ending on ``to``'s day (today)."""
    zone = time_zone(period)
    if utc_only and zone != "UTC":
        raise ValidationFailed("period.timeZone", "this report counts whole UTC days: give UTC")
    days = Days.covering(*bounds(period, now), zone)
    if period is None or period.from_ is None:
        days = Days(days.last - dt.timedelta(days=DEFAULT_DAYS - 1), days.last, zone)
    return days


def time_zone(period: Period | None) -> str:
    """The period's IANA zone name, checked; UTC when none is given."""
    name = period.time_zone if period is not None else None
    if name is None or name == "UTC":
        return "UTC"
    try:
        if len(name) <= 64 and name.strip() == name:
            ZoneInfo(name)
            return name
    except (ValueError, ZoneInfoNotFoundError):
        pass
    raise ValidationFailed("period.timeZone", "is not an IANA time zone name")


def _utc(value: dt.datetime | None, field: str) -> dt.datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValidationFailed(field, "must carry a UTC offset")
    return value.astimezone(dt.UTC)
