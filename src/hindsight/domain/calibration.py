"""Confidence calibration (DESIGN.md §6): the damped multiplier rule, its application, the
agent's calibrated confidence and ``runCalibration``.

Everything here reads the per-bin sums in ``calibration_bins`` (kept current by resolution),
never outcome rows; only ``calibration_audit`` rebuilds those sums from the outcome rows.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Integer, Select, String, Uuid, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db import dialects
from hindsight.db.models import CalibrationAdjustment, CalibrationBin, CalibrationState
from hindsight.domain import calibration_audit, events, statistics, validation
from hindsight.domain.calibration_bins import bin_index
from hindsight.domain.calibration_curves import (
    Adjustment,
    CurveReport,
    read_curves,
    read_states,
    stored_sums,
)
from hindsight.domain.enums import CalibrationMethod
from hindsight.settings import Settings

# HISTOGRAM shrinkage: the raw confidence counts as this many pseudo-observations in its bin,
# so a bin of 10 resolved outcomes moves the answer halfway from raw to the observed rate.
HISTOGRAM_PRIOR_WEIGHT = 10.0


@dataclass(frozen=True)
class Policy:
    """The knobs of §6 (from settings) plus the multiplier's bounds and the HISTOGRAM prior."""

    min_samples: int = 30
    threshold: float = 0.15
    damping: float = 0.5
    max_step: float = 0.10
    lower: float = 0.5
    upper: float = 1.5
    prior_weight: float = HISTOGRAM_PRIOR_WEIGHT

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            min_samples=settings.calibration_min_samples,
            threshold=settings.calibration_threshold,
            damping=settings.calibration_damping,
            max_step=settings.calibration_max_step,
        )


def next_multiplier(
    multiplier: float, gap: float | None, sample_count: int, policy: Policy = Policy()
) -> float:
    """m ← clamp(m - clamp(gap·damping, ±max_step), lower, upper) once N ≥ min_samples and
    |gap| > threshold; otherwise m unchanged. A positive gap (over-confident) lowers m."""
    if gap is None or sample_count < policy.min_samples or abs(gap) <= policy.threshold:
        return multiplier
    step = min(max(gap * policy.damping, -policy.max_step), policy.max_step)
    return min(max(multiplier - step, policy.lower), policy.upper)


async def check_and_adjust(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    action_type: str,
    *,
    policy: Policy,
    now: dt.datetime,
) -> Adjustment | None:
    """Apply ``next_multiplier`` to the stored sums; record and announce any change."""
    sums = (await stored_sums(session, tenant_id, [action_type]))[0].get(action_type)
    states = await read_states(session, tenant_id, [action_type])
    old = states.get(action_type, (1.0, now))[0]
    gap = statistics.weighted_gap(sums) if sums is not None else None
    new = next_multiplier(old, gap, sums.total if sums is not None else 0, policy)
    if gap is None or sums is None or new == old:
        return None
    if not await _swap_multiplier(session, tenant_id, action_type, old, new, now):
        return None  # another run changed it since we read it; its step stands
    adjustment = Adjustment(now, old, new, gap, statistics.brier_from_sums(sums) or 0.0, sums.total)
    await session.execute(
        dialects.insert(session, CalibrationAdjustment).values(
            tenant_id=tenant_id, id=uuid.uuid4(), action_type=action_type, **vars(adjustment)
        )
    )
    events.emit(session, events.CALIBRATION, {"actionType": action_type})
    return adjustment


async def _swap_multiplier(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    action_type: str,
    old: float,
    new: float,
    now: dt.datetime,
) -> bool:
    """Upsert the multiplier only if it still is ``old`` (compare-and-set), so two concurrent
    runs that read the same value never both step from it."""
    t = CalibrationState.__table__.c
    stmt = dialects.insert(session, CalibrationState).values(
        tenant_id=tenant_id, action_type=action_type, multiplier=new, updated_at=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[t.tenant_id, t.action_type],
        set_={"multiplier": stmt.excluded.multiplier, "updated_at": stmt.excluded.updated_at},
        where=t.multiplier == old,
    )
    return (await session.execute(stmt.returning(t.multiplier))).first() is not None


@dataclass(frozen=True)
class Calibrated:
    action_type: str
    raw_confidence: float
    confidence: float
    method: CalibrationMethod
    multiplier: float
    observed_rate: float | None
    wilson_low: float | None
    wilson_high: float | None
    sample_count: int
    sufficient_data: bool


def calibrate(
    action_type: str,
    raw: float,
    method: CalibrationMethod,
    *,
    multiplier: float,
    sample_count: int,
    bin_count: int,
    bin_successes: float,
    policy: Policy,
) -> Calibrated:
    """MULTIPLIER: clamp(raw * m, 0, 1) — one damped scale for the whole action type: stable
    with little data and order-preserving, best when the agent is uniformly over- or
    under-confident. HISTOGRAM: (s_b + k·raw)/(n_b + k), the bin's observed rate shrunk
    toward raw by k = ``prior_weight`` pseudo-observations — tracks miscalibration that differs
    by confidence level, but needs many outcomes per bin and is not monotone across bins.
    Below ``min_samples`` resolved outcomes both return raw (``sufficient_data`` false)."""
    interval = statistics.wilson_interval(bin_successes, bin_count)
    rate = bin_successes / bin_count if bin_count else None
    sufficient = sample_count >= policy.min_samples
    value = raw
    if sufficient and method == CalibrationMethod.MULTIPLIER:
        value = min(max(raw * multiplier, 0.0), 1.0)
    elif sufficient:
        k = policy.prior_weight
        value = (bin_successes + k * raw) / (bin_count + k)
    low, high = interval if interval is not None else (None, None)
    return Calibrated(
        action_type, raw, value, method, multiplier, rate, low, high, sample_count, sufficient
    )


def _point_query() -> Select[Any]:
    """One round trip: (multiplier, Σ count over the action's bins, bin count, bin Σy)."""
    b, s = CalibrationBin, CalibrationState
    tenant = bindparam("tenant_id", type_=Uuid())
    action, index = bindparam("action_type", type_=String()), bindparam("bin", type_=Integer())
    mine = (b.tenant_id == tenant, b.action_type == action)
    here = (*mine, b.bin == index)
    state = select(s.multiplier).where(s.tenant_id == tenant, s.action_type == action)
    return select(
        state.scalar_subquery(),
        select(func.sum(b.count)).where(*mine).scalar_subquery(),
        select(b.count).where(*here).scalar_subquery(),
        select(b.sum_y).where(*here).scalar_subquery(),
    )


_POINT = _point_query()  # built once: the hot path only binds values


async def calibrated_confidence(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    action_type: str,
    confidence: float,
    *,
    method: CalibrationMethod,
    policy: Policy,
) -> Calibrated:
    """The agent's hot path: one statement reading the state row, the bin row and the
    action type's total over its ten PK-indexed bin rows; never an outcome scan."""
    validation.action_type(action_type)
    validation.probability(confidence, "confidence")
    params = {"tenant_id": tenant_id, "action_type": action_type, "bin": bin_index(confidence)}
    multiplier, total, count, successes = (await session.execute(_POINT, params)).one()
    return calibrate(
        action_type,
        confidence,
        method,
        multiplier=1.0 if multiplier is None else multiplier,
        sample_count=int(total or 0),
        bin_count=int(count or 0),
        bin_successes=float(successes or 0.0),
        policy=policy,
    )


async def run_calibration(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    action_type: str | None = None,
    *,
    policy: Policy,
    now: dt.datetime,
) -> list[CurveReport]:
    """Audit the sums against the outcome rows, then ``check_and_adjust`` each action type
    (one, or all of the tenant's); returns the curves with the drift the audit found."""
    names = [validation.action_type(action_type)] if action_type is not None else None
    drift = await calibration_audit.recompute(session, tenant_id, names, now=now)
    adjusted = {
        name
        for name in sorted(drift)
        if await check_and_adjust(session, tenant_id, name, policy=policy, now=now)
    }
    reports = await read_curves(session, tenant_id, names)
    return [
        replace(r, drift=drift.get(r.action_type, []), adjusted=r.action_type in adjusted)
        for r in reports
    ]
