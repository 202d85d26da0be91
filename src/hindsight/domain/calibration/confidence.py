"""Confidence calibration (docs/concepts/calibration.md): the damped multiplier rule, its
application, the agent's calibrated confidence and ``runCalibration``.

Everything here reads the per-bin sums in ``bins`` (kept current by resolution),
never outcome rows; only ``audit`` rebuilds those sums from the outcome rows.
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
from hindsight.domain import events, validation
from hindsight.domain.calibration import audit as calibration_audit
from hindsight.domain.calibration import statistics
from hindsight.domain.calibration.bins import bin_index
from hindsight.domain.calibration.controller import Policy as Policy  # re-exported
from hindsight.domain.calibration.controller import calibrated_gap, next_multiplier
from hindsight.domain.calibration.curves import (
    Adjustment,
    CurveReport,
    read_curves,
    read_states,
    stored_sums,
)
from hindsight.domain.enums import CalibrationMethod


async def check_and_adjust(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    action_type: str,
    *,
    policy: Policy,
    now: dt.datetime,
) -> Adjustment | None:
    """Apply ``next_multiplier`` (the converging controller) to the stored sums; record the
    change (old, new, stated and calibrated gap, Brier, N) and announce it. None: no change."""
    sums = (await stored_sums(session, tenant_id, [action_type]))[0].get(action_type)
    if sums is None or sums.total == 0:
        return None
    states = await read_states(session, tenant_id, [action_type])
    old = states.get(action_type, (1.0, now))[0]
    n, sum_p, sum_y = sums.total, float(sums.sum_p.sum()), float(sums.sum_y.sum())
    new = next_multiplier(old, sum_p, sum_y, n, policy)
    if new == old:
        return None
    if not await _swap_multiplier(session, tenant_id, action_type, old, new, now):
        return None  # another run changed it since we read it; its step stands
    adjustment = Adjustment(
        at=now,
        old_multiplier=old,
        new_multiplier=new,
        gap=(sum_p - sum_y) / n,
        brier_score=statistics.brier_from_sums(sums) or 0.0,
        sample_count=n,
        calibrated_gap=calibrated_gap(new, sum_p, sum_y, n),
    )
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
    state = CalibrationState.__table__.c
    stmt = dialects.insert(session, CalibrationState).values(
        tenant_id=tenant_id, action_type=action_type, multiplier=new, updated_at=now
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[state.tenant_id, state.action_type],
        set_={"multiplier": stmt.excluded.multiplier, "updated_at": stmt.excluded.updated_at},
        where=state.multiplier == old,
    )
    return (await session.execute(stmt.returning(state.multiplier))).first() is not None


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
    tenant = bindparam("tenant_id", type_=Uuid())
    action, index = bindparam("action_type", type_=String()), bindparam("bin", type_=Integer())
    mine = (CalibrationBin.tenant_id == tenant, CalibrationBin.action_type == action)
    here = (*mine, CalibrationBin.bin == index)
    state = select(CalibrationState.multiplier).where(
        CalibrationState.tenant_id == tenant, CalibrationState.action_type == action
    )
    return select(
        state.scalar_subquery(),
        select(func.sum(CalibrationBin.count)).where(*mine).scalar_subquery(),
        select(CalibrationBin.count).where(*here).scalar_subquery(),
        select(CalibrationBin.sum_y).where(*here).scalar_subquery(),
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
