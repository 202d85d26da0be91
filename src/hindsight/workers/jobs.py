"""Job functions shared by the arq worker and the embedded scheduler.

A job owns its transactions: one per tenant and batch, each under that tenant's RLS scope,
so a batch's locks are held briefly and a failure loses at most one batch of work.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import uuid

from hindsight.db.engine import Database
from hindsight.domain.clock import Clock
from hindsight.domain.outcomes import detection
from hindsight.domain.outcomes.detection import JobReport
from hindsight.domain.outcomes.rules import OutcomeRules

log = logging.getLogger(__name__)


async def run_detection_job(
    db: Database,
    name: str,
    *,
    rules: OutcomeRules,
    clock: Clock,
    batch_size: int = 500,
    tenants: list[uuid.UUID] | None = None,
) -> JobReport:
    """Run one detection job over every tenant (or the given ones)."""
    job = detection.JOBS[name]
    report = JobReport(name)
    if tenants is None:
        tenants = await db.run(None, detection.tenant_ids)
    for tenant_id in tenants:
        await _run_for_tenant(db, job, tenant_id, report, rules, clock(), batch_size)
    if report.resolved:
        log.info("detection %s: examined %d, resolved %s", name, report.examined, report.by_status)
    return report


async def _run_for_tenant(
    db: Database,
    job: detection.DetectionJob,
    tenant_id: uuid.UUID,
    report: JobReport,
    rules: OutcomeRules,
    now: dt.datetime,
    batch_size: int,
) -> None:
    cursor: detection.Cursor | None = None
    while True:
        claim = functools.partial(
            detection.detect_batch,
            tenant_id=tenant_id,
            job=job,
            rules=rules,
            now=now,
            after=cursor,
            batch_size=batch_size,
        )
        batch = await db.run(tenant_id, claim)
        report.add(batch.examined, batch.resolved)
        if batch.next_cursor is None:
            return
        cursor = batch.next_cursor


async def run_all_detection(
    db: Database,
    *,
    rules: OutcomeRules,
    clock: Clock,
    batch_size: int = 500,
    tenants: list[uuid.UUID] | None = None,
) -> list[JobReport]:
    """Every detection job, the window-end job last (``runDetection``, the demo, tests)."""
    return [
        await run_detection_job(
            db, name, rules=rules, clock=clock, batch_size=batch_size, tenants=tenants
        )
        for name in detection.JOBS
    ]
