"""Incremental calibration sums: one row per (tenant, action type, bin)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db import dialects
from hindsight.db.models import CalibrationBin
from hindsight.domain import events
from hindsight.domain.calibration.statistics import bin_indices
from hindsight.domain.enums import OutcomeStatus

BINS = cast(Table, CalibrationBin.__table__)
SUMS = ("count", "sum_p", "sum_p2", "sum_y", "sum_py")  # added up on every upsert
SUM_COLUMNS = tuple(BINS.c[name] for name in SUMS)  # what readers select, in this order


def bin_index(p: float) -> int:
    """The bin of one confidence: ``statistics.bin_indices``, the one bin function
    (docs/concepts/calibration.md)."""
    return int(bin_indices(p))


Sums = list[float]  # count, Σp, Σp², Σy, Σpy


async def add_to_bins(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    resolved: Iterable[tuple[str, float, OutcomeStatus]],
    now: dt.datetime,
) -> None:
    """Add POSITIVE/NEGATIVE resolutions (action type, p, status) to their bins' sums, and
    announce each changed curve (``calibrationUpdates``; subscribers coalesce the bursts).

    Keys are upserted in sorted order so concurrent writers lock rows in one order.
    """
    totals: dict[tuple[str, int], Sums] = defaultdict(lambda: [0.0] * 5)
    for action_type, p, status in resolved:
        if status not in (OutcomeStatus.POSITIVE, OutcomeStatus.NEGATIVE):
            continue
        y = 1.0 if status == OutcomeStatus.POSITIVE else 0.0
        sums = totals[(action_type, bin_index(p))]
        for i, value in enumerate((1.0, p, p * p, y, p * y)):
            sums[i] += value
    rows = [
        {"tenant_id": tenant_id, "action_type": action_type, "bin": index, "count": int(n),
         "sum_p": sp, "sum_p2": sp2, "sum_y": sy, "sum_py": spy, "updated_at": now}
        for (action_type, index), (n, sp, sp2, sy, spy) in sorted(totals.items())
    ]  # fmt: skip
    if rows:
        await session.execute(_upsert(dialects.dialect_of(session)), rows)
    for action_type in sorted({action_type for action_type, _ in totals}):
        events.emit(session, events.CALIBRATION, {"actionType": action_type})


def _upsert(dialect: str) -> Any:
    return dialects.adding_upsert(dialect, BINS, SUMS, replaced=("updated_at",))
