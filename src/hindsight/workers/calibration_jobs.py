"""The scheduled calibration check (docs/operations/workers.md: every 6 h): audit and adjust every
tenant.

One transaction per tenant, under that tenant's RLS scope; its calibration events are
published after that tenant's commit, and a failing tenant does not stop the others.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from hindsight.db.engine import Database
from hindsight.domain.calibration import confidence as calibration
from hindsight.domain.clock import Clock
from hindsight.domain.outcomes import detection
from hindsight.settings import Settings

log = logging.getLogger(__name__)
CALIBRATION_JOB = "calibration"  # its name in the schedule and arq's cron


@dataclass
class CalibrationJobReport:
    tenants: int = 0
    action_types: int = 0
    adjusted: int = 0  # action types whose multiplier this run changed
    drifted: int = 0  # action types whose stored sums had to be repaired
    failed: int = 0  # tenants whose run raised (logged)


async def run_calibration_job(
    db: Database,
    *,
    settings: Settings,
    clock: Clock,
    tenants: list[uuid.UUID] | None = None,
) -> CalibrationJobReport:
    """``run_calibration`` for every tenant (or the given ones)."""
    policy = calibration.Policy.from_settings(settings)
    report = CalibrationJobReport()
    if tenants is None:
        tenants = await db.run(None, detection.tenant_ids)
    for tenant_id in tenants:
        await _run_tenant(db, tenant_id, policy, clock, report)
    if report.adjusted or report.drifted:
        log.info("calibration: %s", report)
    return report


async def _run_tenant(
    db: Database,
    tenant_id: uuid.UUID,
    policy: calibration.Policy,
    clock: Clock,
    report: CalibrationJobReport,
) -> None:
    try:
        curves = await db.run(
            tenant_id,
            lambda s: calibration.run_calibration(s, tenant_id, policy=policy, now=clock()),
        )
    except Exception:  # one tenant's failure must not starve the others
        log.exception("calibration failed for tenant %s", tenant_id)
        report.failed += 1
        return
    report.tenants += 1
    report.action_types += len(curves)
    report.drifted += sum(1 for c in curves if c.drift)
    report.adjusted += sum(1 for c in curves if c.adjusted)
