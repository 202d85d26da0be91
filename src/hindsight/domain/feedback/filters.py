"""A feedback filter as asked (docs/reference/api.md): a ``period`` of whole days or
createdAfter/createdBefore, the outcome id unparsed; checked into ``listing.FeedbackFilter``
(lists) or ``summary.SummaryFilter`` (summaries). ``FeedbackFilter.to_domain`` in the
schema makes one."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from hindsight.domain import periods
from hindsight.domain.errors import ValidationFailed
from hindsight.domain.feedback import listing, reads, summary


@dataclass(frozen=True)
class AskedFilter(listing.Matching):
    """As the client asked: the outcome id unparsed, and ``period`` as an alternative to
    the created bounds (giving both is refused)."""

    period: periods.Period | None = None
    outcome_id: str | None = None
    created_after: dt.datetime | None = None
    created_before: dt.datetime | None = None


def entry_filter(asked: AskedFilter, now: dt.datetime) -> listing.FeedbackFilter:
    """The domain filter; ``period`` (whole days) is an alternative to createdAfter/Before."""
    start = end = None
    if asked.period is not None:
        if asked.created_after is not None or asked.created_before is not None:
            raise ValidationFailed("filter.period", "give period or createdAfter/createdBefore")
        days = periods.period_days(asked.period, now)  # whole days, as every report
        start, end = days.start, days.stop
    outcome_id = reads.parse_id(asked.outcome_id) if asked.outcome_id is not None else None
    if asked.outcome_id is not None and outcome_id is None:
        raise ValidationFailed("filter.outcomeId", "is not an outcome id")
    return listing.FeedbackFilter(
        **asked.matching(),
        outcome_id=outcome_id,
        created_after=_utc(asked.created_after, "filter.createdAfter") or start,
        created_before=_utc(asked.created_before, "filter.createdBefore") or end,
    )


def summary_filter(asked: AskedFilter, now: dt.datetime) -> summary.SummaryFilter:
    """The period's whole days (default the 30 ending today, as dashboards) and the rest."""
    days = periods.period_days(asked.period, now)
    where = entry_filter(dataclasses.replace(asked, period=None), now)
    zone = periods.time_zone(asked.period)
    return summary.SummaryFilter(start=days.start, end=days.stop, where=where, zone=zone)


def _utc(value: dt.datetime | None, field: str) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValidationFailed(field, "must carry a UTC offset")
    return value
