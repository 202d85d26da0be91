"""Intervals in seconds → arq cron fields, and the scheduled instants ("ticks") they give.

Cron fires on clock fields, not every N seconds, so an interval is mapped onto the largest
period that divides the UTC day into equal parts and is not longer than the interval:

- under a minute: a divisor of 60 seconds (every 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 s);
- under an hour: a divisor of 60 minutes (900 s → minutes 0, 15, 30, 45);
- under a day: a divisor of 24 hours (6 h → 00:00, 06:00, 12:00, 18:00 UTC);
- a day or more: daily at 00:00 UTC (the detection jobs are a safety net: running one more
  often than asked is harmless, running it less often is not).

Rounding down, never up, keeps every job at least as frequent as configured (7 min → every
6 min; 5 h → every 4 h). The ticks are the same instants on every worker, which is what
makes a tick's job id, and so its single execution, shared between workers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

DAY = 24 * 3600
_SECONDS = (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30)
_MINUTES = (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30)
_HOURS = (1, 2, 3, 4, 6, 8, 12)
PERIODS = (*_SECONDS, *(m * 60 for m in _MINUTES), *(h * 3600 for h in _HOURS), DAY)


def period(interval_seconds: float) -> int:
    """The largest period in ``PERIODS`` that is not longer than the interval (at least 1 s)."""
    fitting = [p for p in PERIODS if p <= interval_seconds]
    return fitting[-1] if fitting else PERIODS[0]


def cron_fields(period_seconds: int) -> dict[str, Any]:
    """``arq.cron`` keyword arguments that fire every ``period_seconds`` from UTC midnight."""
    if period_seconds not in PERIODS:
        raise ValueError(f"{period_seconds} s does not divide the day on clock fields")
    exact = {"microsecond": 0}
    if period_seconds < 60:
        return {**exact, "second": set(range(0, 60, period_seconds))}
    if period_seconds < 3600:
        return {**exact, "second": 0, "minute": set(range(0, 60, period_seconds // 60))}
    if period_seconds < DAY:
        hours = set(range(0, 24, period_seconds // 3600))
        return {**exact, "second": 0, "minute": 0, "hour": hours}
    return {**exact, "second": 0, "minute": 0, "hour": 0}


def last_tick(now: dt.datetime, period_seconds: int) -> dt.datetime:
    """The latest tick at or before ``now`` (UTC)."""
    now = now.astimezone(dt.UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    elapsed = int((now - midnight).total_seconds())
    return midnight + dt.timedelta(seconds=elapsed - elapsed % period_seconds)
