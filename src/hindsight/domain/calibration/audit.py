"""Rebuild the calibration sums from the outcome rows and repair any drift
(docs/concepts/calibration.md).

The stored sums and the tenant's POSITIVE/NEGATIVE outcome rows are read by one
``UNION ALL`` statement: PostgreSQL (READ COMMITTED) takes one snapshot per statement, so
both sides see exactly the same resolutions, and a resolution committing meanwhile is in
neither (SQLite holds its write lock for the whole transaction anyway). Bins are assigned in
Python with ``statistics.bin_indices`` — never with float arithmetic in SQL. A repair *adds*
the difference rather than overwriting, so increments committed after the snapshot survive.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Float, Integer, String, cast, null, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db import dialects
from hindsight.db.models import CalibrationBin, OutcomeRecord
from hindsight.domain import events
from hindsight.domain.calibration.bins import SUM_COLUMNS
from hindsight.domain.calibration.curves import Drift, scoped
from hindsight.domain.calibration.statistics import N_BINS, BinSums
from hindsight.domain.enums import DECIDED, OutcomeStatus

log = logging.getLogger(__name__)
FIELDS = ("count", "sum_p", "sum_p2", "sum_y", "sum_py")
RTOL = 1e-9  # relative tolerance: incremental and batch float sums differ only by rounding
ATOL = 1e-12  # absolute floor for sums that are (nearly) zero
CHUNK = 10_000  # rows fetched per round trip
POSITIVE = OutcomeStatus.POSITIVE.value


def find_drift(stored: BinSums, recomputed: BinSums) -> list[Drift]:
    """Every (bin, field) where the stored sum differs from the recomputed one beyond RTOL."""
    found = []
    for name in FIELDS:
        for index, (a, b) in enumerate(
            zip(getattr(stored, name), getattr(recomputed, name), strict=True)
        ):
            if not math.isclose(float(a), float(b), rel_tol=RTOL, abs_tol=ATOL):
                found.append(Drift(index, name, float(a), float(b)))
    return found


def _snapshot(tenant_id: uuid.UUID, action_types: Sequence[str] | None) -> Any:
    """Outcome rows (bin NULL, p in sum_p, status) and bin rows (status NULL), one statement."""
    nf, ni = cast(null(), Float), cast(null(), Integer)
    outcomes = select(
        OutcomeRecord.action_type,
        ni.label("bin"),
        ni.label("count"),
        OutcomeRecord.predicted_confidence.label("sum_p"),
        nf.label("sum_p2"),
        nf.label("sum_y"),
        nf.label("sum_py"),
        OutcomeRecord.status,
    ).where(
        *scoped(OutcomeRecord, tenant_id, action_types),
        OutcomeRecord.status.in_([s.value for s in DECIDED]),
    )
    bins = select(
        CalibrationBin.action_type,
        CalibrationBin.bin,
        *SUM_COLUMNS,
        cast(null(), String).label("status"),
    ).where(*scoped(CalibrationBin, tenant_id, action_types))
    return union_all(outcomes, bins)


@dataclass(frozen=True)
class _Sides:
    """One action type's stored sums, the bins that have a row, and the recomputed sums."""

    stored: BinSums
    present: frozenset[int]
    fresh: BinSums


class _Totals:
    """Stored and recomputed sums per action type, accumulated chunk by chunk."""

    def __init__(self) -> None:
        self.stored: dict[str, npt.NDArray[np.float64]] = {}
        self.present: dict[str, set[int]] = {}
        self.fresh: dict[str, BinSums] = {}

    def add(self, rows: Sequence[Any]) -> None:
        for r in rows:
            if r.bin is not None:
                grid = self.stored.setdefault(r.action_type, np.zeros((len(FIELDS), N_BINS)))
                grid[:, r.bin] = [getattr(r, name) for name in FIELDS]
                self.present.setdefault(r.action_type, set()).add(r.bin)
        decided = [r for r in rows if r.bin is None]
        if not decided:
            return
        names, groups = np.unique([r.action_type for r in decided], return_inverse=True)
        p = np.fromiter((r.sum_p for r in decided), np.float64, len(decided))
        y = np.fromiter((r.status == POSITIVE for r in decided), np.int64, len(decided))
        for i, name in enumerate(names.tolist()):
            mask = groups == i
            sums = BinSums.from_arrays(p[mask], y[mask])
            self.fresh[name] = self.fresh.get(name, BinSums.empty()) + sums

    def sides(self) -> dict[str, _Sides]:
        empty = BinSums.empty()
        return {
            name: _Sides(
                BinSums(*self.stored[name]) if name in self.stored else empty,
                frozenset(self.present.get(name, ())),
                self.fresh.get(name, empty),
            )
            for name in sorted(self.stored.keys() | self.fresh.keys())
        }


async def recompute(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    action_types: Sequence[str] | None = None,
    *,
    now: dt.datetime,
) -> dict[str, list[Drift]]:
    """Rebuild each action type's sums from its resolved outcomes; repair and report drift.

    Returns the drift per action type that has sums or resolved outcomes ([] when exact).
    """
    totals = _Totals()
    result = await session.stream(
        _snapshot(tenant_id, action_types), execution_options={"yield_per": CHUNK}
    )
    async for rows in result.partitions():
        totals.add(rows)
    report = {}
    for name, sides in totals.sides().items():
        report[name] = find_drift(sides.stored, sides.fresh)
        if report[name]:
            log.warning("calibration drift for %s/%s: %s", tenant_id, name, report[name])
            for index in sorted({d.bin for d in report[name]}):  # bin order: stable lock order
                await _repair(session, tenant_id, name, index, sides, now)
            events.emit(session, events.CALIBRATION, {"actionType": name})
    return report


async def _repair(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    action_type: str,
    index: int,
    sides: _Sides,
    now: dt.datetime,
) -> None:
    """Set one bin to its recomputed sums only while it still holds the snapshot's values
    (compare-and-set): a bin that a resolution or another run changed since is left for the
    next run, so a repair never erases an increment and is never applied twice."""
    fresh = {k: getattr(sides.fresh, k)[index].item() for k in FIELDS}
    if index not in sides.present:
        stmt = dialects.insert(session, CalibrationBin).values(
            tenant_id=tenant_id, action_type=action_type, bin=index, updated_at=now, **fresh
        )
        await session.execute(stmt.on_conflict_do_nothing())
        return
    unchanged = [
        getattr(CalibrationBin, k) == getattr(sides.stored, k)[index].item() for k in FIELDS
    ]
    await session.execute(
        update(CalibrationBin)
        .where(
            CalibrationBin.tenant_id == tenant_id,
            CalibrationBin.action_type == action_type,
            CalibrationBin.bin == index,
            *unchanged,
        )
        .values(updated_at=now, **fresh)
    )
