"""The embedded scheduler: the worker's jobs on asyncio timers inside the API process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from hindsight.domain.outcomes.detection import JOBS
from hindsight.services import Services
from hindsight.settings import Settings
from hindsight.workers.calibration_jobs import CALIBRATION_JOB, run_calibration_job
from hindsight.workers.drift_jobs import DRIFT_JOB, run_drift_job
from hindsight.workers.jobs import run_detection_job
from hindsight.workers.outbox_jobs import OUTBOX_JOB, run_outbox_prune

log = logging.getLogger(__name__)


Job = Callable[[], Awaitable[object]]


def intervals(settings: Settings) -> dict[str, float]:
    """Every scheduled job's name and interval in seconds, from settings
    (docs/operations/workers.md): the detection jobs as ``detection.JOBS`` names them, then
    calibration, drift and the outbox prune (docs/concepts/events.md)."""
    found = {name: getattr(settings, job.interval_setting) for name, job in JOBS.items()}
    return found | {
        CALIBRATION_JOB: settings.calibration_interval_seconds,
        DRIFT_JOB: settings.drift_interval_seconds,
        OUTBOX_JOB: settings.outbox_prune_interval_seconds,
    }


def job(services: Services, name: str) -> Job:
    """The scheduled job ``name`` bound to ``services`` (shared with the arq worker)."""
    s = services.settings
    if name == CALIBRATION_JOB:
        return lambda: run_calibration_job(services.db, settings=s, clock=services.clock)
    if name == OUTBOX_JOB:
        return lambda: run_outbox_prune(services.db, settings=s, clock=services.clock)
    if name == DRIFT_JOB:
        return lambda: run_drift_job(services.db, settings=s, clock=services.clock)
    return lambda: run_detection_job(
        services.db,
        name,
        rules=services.rules,
        clock=services.clock,
        batch_size=s.detection_batch_size,
    )


def schedule(services: Services) -> list[tuple[str, float, Job]]:
    """(name, interval seconds, job) for every scheduled job, intervals from settings."""
    return [
        (name, interval, job(services, name))
        for name, interval in intervals(services.settings).items()
    ]


class Scheduler:
    def __init__(self, services: Services) -> None:
        self.jobs = schedule(services)
        self.tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self.tasks = [asyncio.create_task(self._loop(*job)) for job in self.jobs]

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self, name: str, interval: float, job: Callable[[], Awaitable[object]]) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await job()
            except Exception:  # a failed tick must not stop the schedule
                log.exception("scheduled job %s failed", name)
