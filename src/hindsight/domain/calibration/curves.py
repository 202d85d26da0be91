"""Reading calibration curves from the stored sums (docs/concepts/calibration.md); never from
outcome rows."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db.models import CalibrationAdjustment, CalibrationBin, CalibrationState
from hindsight.domain.calibration import statistics
from hindsight.domain.calibration.bins import SUM_COLUMNS
from hindsight.domain.calibration.controller import calibrated_gap
from hindsight.domain.calibration.statistics import BinSums, Curve

HISTORY_LIMIT = 100  # adjustments returned per curve, newest first


@dataclass(frozen=True)
class Adjustment:
    """One multiplier change: ``gap`` is the stated gap (Σp − Σy)/N the run saw,
    ``calibrated_gap`` (new·Σp − Σy)/N what is left after it (None on rows older than it)."""

    at: dt.datetime
    old_multiplier: float
    new_multiplier: float
    gap: float
    brier_score: float
    sample_count: int
    calibrated_gap: float | None = None


@dataclass(frozen=True)
class Drift:
    """A stored bin sum that disagrees with the sum rebuilt from outcome rows."""

    bin: int
    field: str
    stored: float
    recomputed: float


@dataclass(frozen=True)
class CurveReport:
    action_type: str
    curve: Curve
    multiplier: float
    adjustments: list[Adjustment]
    updated_at: dt.datetime | None
    calibrated_gap: float | None = None  # (m·Σp − Σy)/N with the current multiplier
    drift: list[Drift] | None = None  # set by runCalibration's audit; None when not audited
    adjusted: bool = False  # runCalibration changed the multiplier just now


def scoped(
    model: Any, tenant_id: uuid.UUID, action_types: Sequence[str] | None
) -> list[ColumnElement[bool]]:
    """WHERE clauses for one tenant and, if given, some of its action types."""
    where: list[ColumnElement[bool]] = [model.tenant_id == tenant_id]
    if action_types is not None:
        where.append(model.action_type.in_(action_types))
    return where


async def stored_sums(
    session: AsyncSession, tenant_id: uuid.UUID, action_types: Sequence[str] | None = None
) -> tuple[dict[str, BinSums], dict[str, dt.datetime]]:
    """The stored per-bin sums per action type, and each action type's latest bin update."""
    rows = await session.execute(
        select(
            CalibrationBin.action_type,
            CalibrationBin.bin,
            *SUM_COLUMNS,
            CalibrationBin.updated_at,
        ).where(*scoped(CalibrationBin, tenant_id, action_types))
    )
    grids: dict[str, npt.NDArray[np.float64]] = {}
    updated: dict[str, dt.datetime] = {}
    for action_type, index, *sums, at in rows:
        grids.setdefault(action_type, np.zeros((5, statistics.N_BINS)))[:, index] = sums
        updated[action_type] = max(at, updated.get(action_type, at))
    return {a: BinSums(*grid) for a, grid in grids.items()}, updated


async def read_states(
    session: AsyncSession, tenant_id: uuid.UUID, action_types: Sequence[str] | None = None
) -> dict[str, tuple[float, dt.datetime]]:
    """(multiplier, updated_at) per action type that has a state row."""
    rows = await session.execute(
        select(
            CalibrationState.action_type, CalibrationState.multiplier, CalibrationState.updated_at
        ).where(*scoped(CalibrationState, tenant_id, action_types))
    )
    return {a: (m, at) for a, m, at in rows}


async def read_history(
    session: AsyncSession, tenant_id: uuid.UUID, action_types: Sequence[str] | None = None
) -> dict[str, list[Adjustment]]:
    """The newest ``HISTORY_LIMIT`` adjustments per action type, newest first (one query)."""
    rank = func.row_number().over(
        partition_by=CalibrationAdjustment.action_type,
        order_by=(CalibrationAdjustment.at.desc(), CalibrationAdjustment.id),
    )
    ranked = (
        select(
            CalibrationAdjustment.action_type,
            CalibrationAdjustment.at,
            CalibrationAdjustment.old_multiplier,
            CalibrationAdjustment.new_multiplier,
            CalibrationAdjustment.gap,
            CalibrationAdjustment.brier_score,
            CalibrationAdjustment.sample_count,
            CalibrationAdjustment.calibrated_gap,
            rank.label("rank"),
        )
        .where(*scoped(CalibrationAdjustment, tenant_id, action_types))
        .subquery()
    )
    rows = await session.execute(
        select(*list(ranked.c)[:-1])
        .where(ranked.c.rank <= HISTORY_LIMIT)
        .order_by(ranked.c.action_type, ranked.c.rank)
    )
    history: dict[str, list[Adjustment]] = {}
    for action_type, *fields in rows:
        history.setdefault(action_type, []).append(Adjustment(*fields))
    return history


async def read_curves(
    session: AsyncSession, tenant_id: uuid.UUID, action_types: Sequence[str] | None = None
) -> list[CurveReport]:
    """Curves of the given action types (empty ones included), or of every calibrated one."""
    sums, updated = await stored_sums(session, tenant_id, action_types)
    states = await read_states(session, tenant_id, action_types)
    history = await read_history(session, tenant_id, action_types)
    names = action_types if action_types is not None else sorted(sums.keys() | states.keys())
    reports = []
    for name in names:
        multiplier, state_at = states.get(name, (1.0, None))
        stamps = [t for t in (updated.get(name), state_at) if t is not None]
        bins = sums.get(name, BinSums.empty())
        curve = statistics.curve_from_sums(bins)
        residual = calibrated_gap(
            multiplier, float(bins.sum_p.sum()), float(bins.sum_y.sum()), bins.total
        )
        reports.append(
            CurveReport(
                name,
                curve,
                multiplier,
                history.get(name, []),
                max(stamps, default=None),
                calibrated_gap=residual,
            )
        )
    return reports
