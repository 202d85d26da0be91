"""Strawberry's date scalars with descriptions that say what the API accepts and returns."""

from __future__ import annotations

import dataclasses
import datetime as dt

from strawberry.schema.types import base_scalars

OVERRIDES = {
    dt.datetime: dataclasses.replace(
        base_scalars.DateTimeDefinition,
        description="An ISO 8601 date and time. Inputs must carry a UTC offset "
        "(2026-01-31T09:00:00Z or 2026-01-31T10:00:00+01:00; a naive time is refused); "
        "outputs are always UTC.",
    ),
    dt.date: dataclasses.replace(
        base_scalars.DateDefinition,
        description="An ISO 8601 calendar day (2026-01-31): a day in the report's time zone "
        "(PeriodInput.timeZone, UTC by default).",
    ),
}
