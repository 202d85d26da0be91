"""The scheduled drift job (every ``drift_interval_seconds``): feed every
tenant's unseen resolutions to its monitors.

One transaction per tenant, action type and batch, under the tenant's RLS scope: each
commits the monitors' state, the fed marks and any new alert together, and the alerts'
events leave after that commit. A failing tenant does not stop the others.
"""

from __future__ import annotations

import functools
import logging
import uuid
from dataclasses import dataclass, field

from hindsight.db.engine import Database
from hindsight.db.models import DriftAlert
from hindsight.domain.clock import Clock
from hindsight.domain.drift import feed
from hindsight.domain.drift.monitors import DriftPolicy, feed_monitors
from hindsight.domain.outcomes import detection
from hindsight.settings import Settings

log = logging.getLogger(__name__)
DRIFT_JOB = "drift"  # its name in the schedule and arq's cron


@dataclass
class DriftJobReport:
    tenants: int = 0
    action_types: int = 0
    fed: int = 0  # resolutions fed to the monitors
    alerts: list[DriftAlert] = field(default_factory=list)  # raised by this run
    failed: int = 0  # tenants whose run raised (logged)


async def run_drift_job(
    db: Database,
    *,
    settings: Settings,
    clock: Clock,
    tenants: list[uuid.UUID] | None = None,
) -> DriftJobReport:
    """Feed the monitors of every tenant (or the given ones) until nothing is left unseen."""
    policy = DriftPolicy.from_settings(settings)
    report = DriftJobReport()
    if tenants is None:
        tenants = await db.run(None, detection.tenant_ids)
    for tenant_id in tenants:
        try:
            await feed_tenant(db, tenant_id, policy=policy, clock=clock, report=report)
        except Exception:  # one tenant's failure must not starve the others
            log.exception("drift detection failed for tenant %s", tenant_id)
            report.failed += 1
    if report.alerts:
        log.info("drift: fed %d resolutions, %d alerts", report.fed, len(report.alerts))
    return report


async def feed_tenant(
    db: Database,
    tenant_id: uuid.UUID,
    *,
    policy: DriftPolicy,
    clock: Clock,
    report: DriftJobReport | None = None,
) -> DriftJobReport:
    """Feed one tenant's unseen resolutions to its monitors (errors propagate: the job
    above logs them per tenant, ``runDriftDetection`` reports them to its caller)."""
    report = report if report is not None else DriftJobReport()
    pending = functools.partial(feed.pending_action_types, tenant_id=tenant_id)
    names = await db.run(tenant_id, pending, readonly=True)
    report.tenants += 1
    report.action_types += len(names)
    for name in names:
        more = True
        while more:
            batch = functools.partial(
                feed_monitors, tenant_id=tenant_id, action_type=name, policy=policy, now=clock()
            )
            step = await db.run(tenant_id, batch)
            report.fed += step.fed
            report.alerts.extend(step.alerts)
            more = step.more
    return report
