"""Rebuild the calibration sums from the outcome rows and repair any drift (DESIGN.md §6).

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
from typing import Any

import numpy as np
from sqlalchemy import Float, Integer, String, cast, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db import dialects
from hindsight.db.models import CalibrationBin, OutcomeRecord
from hindsight.domain import events
from hindsight.domain.calibration_curves import Drift, scoped
from hindsight.domain.enums import DECIDED, OutcomeStatus
from hindsight.domain.statistics import N_BINS, BinSums

log = logging.getLogger(__name__)
FIELDS = ("count", "sum_p", "sum_p2", "sum_y", "sum_py")
RTOL = 1e-9  # relative tolerance: incremental and batch float sums differ only by rounding
ATOL = 1e-12  # absolute floor for sums that are (nearly) zero
CHUNK = 10_000  # rows fetched per round trip


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
    o, b = OutcomeRecord, CalibrationBin
    nf, ni = cast(null(), Float), cast(null(), Integer)
    outcomes = select(
        o.action_type,
        ni.label("bin"),
        ni.label("count"),
        o.predicted_confidence.label("sum_p"),
        nf.label("sum_p2"),
        nf.label("sum_y"),
        nf.label("sum_py"),
        o.status,
    ).where(*scoped(o, tenant_id, action_types), o.status.in_([s.value for s in DECIDED]))
    bins = select(
        b.action_type,
        b.bin,
        b.count,
        b.sum_p,
        b.sum_p2,
        b.sum_y,
        b.sum_py,
        cast(null(), String).label("status"),
    ).where(*scoped(b, tenant_id, action_types))
    return union_all(outcomes, bins)


class _Totals:
    """Stored and recomputed sums per action type, accumulated chunk by chunk."""

    def __init__(self) -> None:
        self.stored: dict[str, np.ndarray[Any, np.dtype[np.float64]]] = {}
        self.fresh: dict[str, BinSums] = {}

    def add(self, rows: Sequence[Any]) -> None:
        decided = [r for r in rows if r.bin is None]
        for r in rows:
            if r.bin is not None:
                grid = self.stored.setdefault(r.action_type, np.zeros((len(FIELDS), N_BINS)))
                grid[:, r.bin] = [getattr(r, name) for name in FIELDS]
        if not decided:
            return
        names, groups = np.unique([r.action_type for r in decided], return_inverse=True)
        p = np.fromiter((r.sum_p for r in decided), np.float64, len(decided))
        y = np.fromiter(
            (r.status == OutcomeStatus.POSITIVE for r in decided), np.int64, len(decided)
        )
        for i, name in enumerate(names.tolist()):
            mask = groups == i
            self.fresh[name] = self.fresh.get(name, BinSums.empty()) + BinSums.from_arrays(
                p[mask], y[mask]
            )

    def pairs(self) -> dict[str, tuple[BinSums, BinSums]]:
        names = sorted(self.stored.keys() | self.fresh.keys())
        empty = BinSums.empty()
        return {
            n: (BinSums(*self.stored[n]) if n in self.stored else empty, self.fresh.get(n, empty))
            for n in names
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
    for name, (stored, fresh) in totals.pairs().items():
        report[name] = find_drift(stored, fresh)
        if report[name]:
            log.warning("calibration drift for %s/%s: %s", tenant_id, name, report[name])
            await _repair(session, tenant_id, name, stored, fresh, report[name], now)
    return report


async def _repair(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    action_type: str,
    stored: BinSums,
    fresh: BinSums,
    drift: list[Drift],
    now: dt.datetime,
) -> None:
    """Add (recomputed - stored) to each drifted bin, in bin order (a stable lock order)."""
    t = CalibrationBin.__table__.c
    for index in sorted({d.bin for d in drift}):
        delta = {k: getattr(fresh, k)[index] - getattr(stored, k)[index] for k in FIELDS}
        stmt = dialects.insert(session, CalibrationBin).values(
            tenant_id=tenant_id,
            action_type=action_type,
            bin=index,
            updated_at=now,
            count=int(delta["count"]),
            **{k: float(delta[k]) for k in FIELDS[1:]},
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[t.tenant_id, t.action_type, t.bin],
            set_={**{k: t[k] + stmt.excluded[k] for k in FIELDS}, "updated_at": now},
        )
        await session.execute(stmt)
    events.emit(session, events.CALIBRATION, {"actionType": action_type})
