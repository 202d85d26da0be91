"""Feeding both monitors of one action type, one locked batch at a time.

``feed_monitors`` locks the action type's monitor row (one worker at a time), reads the next
unseen resolutions, advances both monitors, records any alert and marks the resolutions fed,
all in the caller's transaction: state, checkpoint and alerts commit together, so a rerun
(or a second worker) raises nothing twice. A monitor that alerted pauses — its resolutions
are still marked fed, so one drift gives one alert — until the alert is acknowledged
(``alerts.acknowledge``) or, for CALIBRATION, the action type's multiplier changes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db import dialects
from hindsight.db.models import DriftAlert, DriftMonitor
from hindsight.domain import events
from hindsight.domain.calibration.curves import read_states
from hindsight.domain.drift import evalues, feed, success
from hindsight.domain.drift.feed import Resolution
from hindsight.domain.enums import DriftKind
from hindsight.settings import Settings


@dataclass(frozen=True)
class DriftPolicy:
    alpha: float = 0.01
    delta: float = 0.002
    min_samples: int = 50
    batch_size: int = 2000

    @classmethod
    def from_settings(cls, settings: Settings) -> DriftPolicy:
        return cls(
            alpha=settings.drift_alpha,
            delta=settings.drift_delta,
            min_samples=settings.drift_min_samples,
            batch_size=settings.drift_batch_size,
        )


@dataclass
class FeedReport:
    fed: int = 0
    alerts: list[DriftAlert] = field(default_factory=list)
    more: bool = False  # a full batch: call again


async def locked_monitor(
    session: AsyncSession, tenant_id: uuid.UUID, action_type: str, now: dt.datetime
) -> DriftMonitor:
    """The action type's monitor row, created if new, locked for this transaction."""
    await session.execute(
        dialects.insert(session, DriftMonitor)
        .values(tenant_id=tenant_id, action_type=action_type, fed=0, updated_at=now)
        .on_conflict_do_nothing(index_elements=["tenant_id", "action_type"])
    )
    stmt = select(DriftMonitor).where(
        DriftMonitor.tenant_id == tenant_id, DriftMonitor.action_type == action_type
    )
    stmt = dialects.lock(session, stmt).execution_options(populate_existing=True)
    return (await session.scalars(stmt)).one()


async def feed_monitors(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    action_type: str,
    *,
    policy: DriftPolicy,
    now: dt.datetime,
) -> FeedReport:
    """Feed the next batch of unseen resolutions to both monitors (see the module doc)."""
    monitor = await locked_monitor(session, tenant_id, action_type, now)
    batch = await feed.read_unfed(session, tenant_id, action_type, limit=policy.batch_size)
    if not batch:
        return FeedReport()
    states = await read_states(session, tenant_id, [action_type])
    multiplier = states.get(action_type, (1.0, now))[0]
    alerts = [
        alert
        for alert in (
            _calibration(monitor, batch, multiplier, policy, now),
            _success_rate(monitor, batch, policy, now),
        )
        if alert is not None
    ]
    monitor.fed += len(batch)
    monitor.updated_at = now
    await feed.mark_fed(session, tenant_id, [r.id for r in batch], now)
    session.add_all(alerts)
    await session.flush()
    for alert in alerts:
        events.emit(session, events.DRIFT, alert_event(alert))
    return FeedReport(len(batch), alerts, more=len(batch) == policy.batch_size)


def alert_event(alert: DriftAlert) -> dict[str, object]:
    return {"alertId": str(alert.id), "actionType": alert.action_type, "kind": alert.kind}


def _new_alert(
    monitor: DriftMonitor, kind: DriftKind, at: Resolution, now: dt.datetime, **values: object
) -> DriftAlert:
    return DriftAlert(
        tenant_id=monitor.tenant_id,
        id=uuid.uuid4(),
        action_type=monitor.action_type,
        kind=kind.value,
        detected_at=at.resolved_at,
        raised_at=now,
        **values,
    )


def _calibration(
    monitor: DriftMonitor,
    batch: Sequence[Resolution],
    multiplier: float,
    policy: DriftPolicy,
    now: dt.datetime,
) -> DriftAlert | None:
    if monitor.calibration_paused_by is not None:
        if multiplier == monitor.paused_multiplier:
            return None  # paused: one drift, one alert
        restart(monitor, DriftKind.CALIBRATION)  # the multiplier changed: start again
    state = evalues.CalibrationState.from_json(monitor.calibration)
    q, y = [r.q for r in batch], [r.y for r in batch]
    state, alarm = evalues.feed(state, q, y, alpha=policy.alpha, min_samples=policy.min_samples)
    monitor.calibration = state.to_json()
    if alarm is None:
        return None
    alert = _new_alert(
        monitor,
        DriftKind.CALIBRATION,
        batch[alarm.index],
        now,
        direction=alarm.direction.value,
        sample_size=alarm.sample_size,
        e_value=alarm.e_value,
        threshold=alarm.threshold,
        expected_rate=alarm.expected_rate,
        observed_rate=alarm.observed_rate,
    )
    monitor.calibration_paused_by, monitor.paused_multiplier = alert.id, multiplier
    return alert


def _success_rate(
    monitor: DriftMonitor, batch: Sequence[Resolution], policy: DriftPolicy, now: dt.datetime
) -> DriftAlert | None:
    if monitor.success_paused_by is not None:
        return None
    state = success.SuccessState.from_json(monitor.success)
    ys = [r.y for r in batch]
    state, alarm = success.feed(state, ys, delta=policy.delta, min_samples=policy.min_samples)
    monitor.success = state.to_json()
    if alarm is None:
        return None
    alert = _new_alert(
        monitor,
        DriftKind.SUCCESS_RATE,
        batch[alarm.index],
        now,
        direction=alarm.direction.value,
        sample_size=alarm.sample_size,
        before_rate=alarm.before.rate,
        before_count=alarm.before.count,
        after_rate=alarm.after.rate,
        after_count=alarm.after.count,
    )
    monitor.success_paused_by = alert.id
    return alert


def restart(monitor: DriftMonitor, kind: DriftKind) -> None:
    """Start the monitor of ``kind`` again from the next resolution it is fed."""
    if kind == DriftKind.CALIBRATION:
        monitor.calibration = None
        monitor.calibration_paused_by = monitor.paused_multiplier = None
    else:
        monitor.success = None
        monitor.success_paused_by = None
