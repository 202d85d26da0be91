"""Small input checks shared by the write paths; each raises ``ValidationFailed``."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any

from hindsight.domain.errors import ValidationFailed

ACTION_TYPE = re.compile(r"[a-z0-9_.-]{1,64}")
MAX_ID = 128
MAX_JSON_BYTES = 16 * 1024
MAX_ITEMS = 1000
MAX_NESTING = 32  # JSON deeper than this would reach Python's recursion limit when encoded
# PostgreSQL text cannot hold NUL; UTF-8 (asyncpg, SQLite) cannot encode a lone surrogate.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Far enough inside Python's years 1–9999 that no window, period or day arithmetic overflows.
EARLIEST = dt.datetime(1000, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(9000, 1, 1, tzinfo=dt.UTC)


def text(value: str, field: str) -> str:
    """A string the database can store: no NUL byte and no lone surrogate."""
    if UNSTORABLE.search(value):
        raise ValidationFailed(field, "must not contain NUL bytes or lone surrogates")
    return value


def items(count: int, field: str) -> int:
    """A list small enough to bind as query parameters (asyncpg allows 32,767 in all)."""
    if count > MAX_ITEMS:
        raise ValidationFailed(field, f"must have at most {MAX_ITEMS} items")
    return count


def nesting(depth: int, field: str) -> int:
    """Input (JSON ``metadata`` above all) nested at most ``MAX_NESTING`` levels."""
    if depth > MAX_NESTING:
        raise ValidationFailed(field, f"must nest at most {MAX_NESTING} levels")
    return depth


def instant(value: dt.datetime, field: str) -> dt.datetime:
    """An aware datetime, in UTC, between ``EARLIEST`` and ``LATEST``; naive ones are refused
    rather than guessed, since a client's local time is unknown."""
    if value.utcoffset() is None:
        raise ValidationFailed(field, "must carry a UTC offset (e.g. 2026-01-01T00:00:00Z)")
    try:
        utc = value.astimezone(dt.UTC)
    except OverflowError:
        utc = EARLIEST - dt.timedelta(days=1)
    if not EARLIEST <= utc < LATEST:
        span = f"{EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}"
        raise ValidationFailed(field, f"must lie between {span} (UTC)")
    return utc


def action_type(value: str, field: str = "actionType") -> str:
    if not ACTION_TYPE.fullmatch(value):
        raise ValidationFailed(field, "must match [a-z0-9_.-]{1,64}")
    return value


def probability(value: float, field: str) -> float:
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise ValidationFailed(field, "must be a number between 0 and 1")
    return value


def identifier(value: str | None, field: str, *, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise ValidationFailed(field, "is required")
        return None
    if len(value) > MAX_ID or not value.strip():
        raise ValidationFailed(field, f"must be 1–{MAX_ID} non-blank characters")
    return value


def json_object(value: Any, field: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValidationFailed(field, "must be a JSON object")
    if len(json.dumps(value).encode()) > MAX_JSON_BYTES:
        raise ValidationFailed(field, "must be at most 16 KiB of JSON")
    return value


def past_time(
    value: dt.datetime | None,
    field: str,
    *,
    now: dt.datetime,
    skew: dt.timedelta,
    oldest: dt.timedelta | None = None,
) -> dt.datetime:
    """A UTC instant no later than ``now + skew`` and no earlier than ``now - oldest``."""
    if value is None:
        return now
    if value.tzinfo is None:
        raise ValidationFailed(field, "must carry a UTC offset")
    value = value.astimezone(dt.UTC)
    if value > now + skew:
        raise ValidationFailed(field, f"lies in the future (more than {skew} ahead)")
    if oldest is not None and value < now - oldest:
        raise ValidationFailed(field, f"is older than the longest outcome window ({oldest})")
    return value
