"""Reading and acknowledging drift alerts; the monitors as they stand."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db import dialects
from hindsight.db.models import DriftAlert, DriftMonitor
from hindsight.domain import events, paging, validation
from hindsight.domain.drift import evalues, success
from hindsight.domain.drift.monitors import alert_event, locked_monitor, restart
from hindsight.domain.enums import DriftKind
from hindsight.domain.errors import NotFound

NEWEST_FIRST = paging.Order("RAISED_AT", DriftAlert.raised_at, DriftAlert.id, descending=True)


@dataclass(frozen=True)
class AlertFilter:
    """Each given field must match; ``acknowledged`` false lists the open alerts."""

    action_types: list[str] = field(default_factory=list)
    kinds: list[DriftKind] = field(default_factory=list)
    acknowledged: bool | None = None


def _conditions(tenant_id: uuid.UUID, flt: AlertFilter) -> list[ColumnElement[bool]]:
    found = [DriftAlert.tenant_id == tenant_id]
    if flt.action_types:
        names = [validation.action_type(a) for a in flt.action_types]
        found.append(DriftAlert.action_type.in_(names))
    if flt.kinds:
        found.append(DriftAlert.kind.in_([DriftKind(k).value for k in flt.kinds]))
    if flt.acknowledged is not None:
        ack = DriftAlert.acknowledged_at
        found.append(ack.is_not(None) if flt.acknowledged else ack.is_(None))
    return found


def _selection(tenant_id: uuid.UUID, flt: AlertFilter) -> Select[Any]:
    return select(DriftAlert).where(*_conditions(tenant_id, flt))


async def read_alerts(
    session: AsyncSession, tenant_id: uuid.UUID, flt: AlertFilter, *, window: paging.Window
) -> paging.Page[DriftAlert]:
    """One page of the tenant's alerts, newest raised first."""
    return await paging.read_page(session, _selection(tenant_id, flt), NEWEST_FIRST, window)


async def count_alerts(session: AsyncSession, tenant_id: uuid.UUID, flt: AlertFilter) -> int:
    return await paging.count_rows(session, _selection(tenant_id, flt))


async def count_open(session: AsyncSession, tenant_id: uuid.UUID) -> int:
    """Alerts nobody has acknowledged yet (the executive summary's ``openDriftAlerts``)."""
    stmt = select(func.count()).where(*_conditions(tenant_id, AlertFilter(acknowledged=False)))
    return int(await session.scalar(stmt) or 0)


async def read_alert(
    session: AsyncSession, tenant_id: uuid.UUID, alert_id: str, *, lock: bool = False
) -> DriftAlert:
    try:
        key = uuid.UUID(alert_id)
    except ValueError:
        raise NotFound(alert_id, "no drift alert with this id") from None
    stmt = select(DriftAlert).where(DriftAlert.tenant_id == tenant_id, DriftAlert.id == key)
    if lock:
        stmt = dialects.lock(session, stmt).execution_options(populate_existing=True)
    found = (await session.scalars(stmt)).one_or_none()
    if found is None:
        raise NotFound(alert_id, "no drift alert with this id")
    return found


async def acknowledge(
    session: AsyncSession, tenant_id: uuid.UUID, alert_id: str, *, by: str, now: dt.datetime
) -> DriftAlert:
    """Mark the alert seen (once: acknowledging again changes nothing) and start the monitor
    it paused again from the next resolution."""
    alert = await read_alert(session, tenant_id, alert_id, lock=True)
    if alert.acknowledged_at is not None:
        return alert
    alert.acknowledged_at, alert.acknowledged_by = now, by
    monitor = await locked_monitor(session, tenant_id, alert.action_type, now)
    kind = DriftKind(alert.kind)
    paused_by = (
        monitor.calibration_paused_by
        if kind == DriftKind.CALIBRATION
        else monitor.success_paused_by
    )
    if paused_by == alert.id:
        restart(monitor, kind)
        monitor.updated_at = now
    await session.flush()
    events.emit(session, events.DRIFT, alert_event(alert))
    return alert


@dataclass(frozen=True)
class MonitorView:
    """One monitor now: samples since its start and its statistic."""

    action_type: str
    kind: DriftKind
    sample_size: int
    paused_by: uuid.UUID | None
    e_value: float | None = None  # CALIBRATION
    threshold: float | None = None  # CALIBRATION: 1/α
    width: int | None = None  # SUCCESS_RATE: ADWIN's window
    estimate: float | None = None  # SUCCESS_RATE: ADWIN's mean over it


async def read_monitors(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    action_types: Sequence[str] | None,
    *,
    alpha: float,
) -> list[MonitorView]:
    """Both monitors of each action type fed so far (or of the given ones), by name."""
    stmt = select(DriftMonitor).where(DriftMonitor.tenant_id == tenant_id)
    if action_types is not None:
        names = [validation.action_type(a) for a in action_types]
        stmt = stmt.where(DriftMonitor.action_type.in_(names))
    views: list[MonitorView] = []
    for m in await session.scalars(stmt.order_by(DriftMonitor.action_type)):
        calibration = evalues.CalibrationState.from_json(m.calibration)
        rate = success.SuccessState.from_json(m.success)
        views.append(
            MonitorView(
                m.action_type,
                DriftKind.CALIBRATION,
                calibration.n,
                m.calibration_paused_by,
                e_value=calibration.e_value,
                threshold=1 / alpha,
            )
        )
        views.append(
            MonitorView(
                m.action_type,
                DriftKind.SUCCESS_RATE,
                rate.n,
                m.success_paused_by,
                width=rate.width,
                estimate=rate.estimate,
            )
        )
    return views


def describe(alert: DriftAlert) -> str:
    """The alert in one sentence, for a person (the panel shows it as it is)."""
    name = alert.action_type
    if alert.kind == DriftKind.SUCCESS_RATE:
        before, after = alert.before_rate or 0.0, alert.after_rate or 0.0
        over = (alert.before_count or 0) + (alert.after_count or 0)
        return f"{name}: success rate {before:.0%} → {after:.0%} over the last {over} resolutions"
    worse = "worse" if alert.direction == "OVERCONFIDENT" else "better"
    return (
        f"{name}: outcomes {worse} than the calibrated confidence says, "
        f"e-value {_number(alert.e_value or 0)} ≥ {_number(alert.threshold or 0)}"
    )


def _number(value: float) -> str:
    """143, 30,541; past a million in scientific notation (1.6e+21)."""
    return f"{value:,.0f}" if value < 1e6 else f"{value:.1e}"
