"""``PeriodInput`` (docs/reference/api.md), shared by feedback summaries and the dashboards."""

from __future__ import annotations

import datetime as dt

import strawberry


@strawberry.input(
    description="A period, both ends inclusive; default: the 30 days ending today. Dashboards "
    "and coaching count the whole calendar days (in `timeZone`) from `from`'s day through "
    "`to`'s day, and answer with the exclusive end (the midnight after the last day); "
    "feedbackSummary counts the instants from `from` to `to` and splits its trend by day."
)
class PeriodInput:
    from_: dt.datetime | None = strawberry.field(
        default=None,
        name="from",
        description="Start (with a UTC offset); default 30 days before `to`'s day.",
    )
    to: dt.datetime | None = strawberry.field(
        default=None, description="End, included (with a UTC offset); default now."
    )
    time_zone: str | None = strawberry.field(
        default="UTC",
        description="The IANA time zone (e.g. America/Los_Angeles) whose calendar days the "
        "period covers and trends are split by; default UTC.",
    )
