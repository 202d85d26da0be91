"""An arq worker that outlives a Redis outage.

arq's poll loop lets a ``ConnectionError`` end the worker (exit 1), so a Redis restart used
to stop the schedule until someone restarted the worker. Here a failed poll is logged once,
retried with exponential backoff (redis-py reconnects on the next command), and when Redis
answers again the health key is written at once and a cron tick that could not be queued
during the outage is queued then (tick ids are unique, so no tick runs twice).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from arq.worker import Worker

from hindsight.events.redis_faults import REDIS_FAILURES

log = logging.getLogger(__name__)

MIN_BACKOFF = 0.5
MAX_BACKOFF = 10.0


class ResilientWorker(Worker):
    _failures = 0

    async def _poll_iteration(self) -> None:
        try:
            await super()._poll_iteration()
        except REDIS_FAILURES as exc:
            self._failures += 1
            self._last_health_check = 0  # write the health key as soon as Redis answers
            delay = min(MAX_BACKOFF, MIN_BACKOFF * 2 ** (self._failures - 1))
            level = logging.WARNING if self._failures == 1 else logging.DEBUG
            log.log(level, "redis unavailable (%s); worker retrying in %.1fs", exc, delay)
            await asyncio.sleep(delay)
            return
        if self._failures:
            log.warning("redis is back after %d failed polls; worker resumed", self._failures)
            self._failures = 0

    async def start_jobs(self, job_ids: list[bytes]) -> None:
        # arq takes a job slot before its Redis round trips and keeps it if one fails:
        # give it back, or every outage would leak one of ``max_jobs`` slots.
        for job_id in job_ids:
            try:
                await super().start_jobs([job_id])
            except REDIS_FAILURES:
                self._release_sem_dec_counter_on_complete()
                raise

    async def run_cron(self, n: dt.datetime, delay: float, num_windows: int = 2) -> None:
        # arq moves each due job to its next tick before queueing it: a failed queueing
        # would skip the tick. Restore the plan so the tick is queued when Redis is back.
        planned = [job.next_run for job in self.cron_jobs]
        try:
            await super().run_cron(n, delay, num_windows)
        except REDIS_FAILURES:
            for job, next_run in zip(self.cron_jobs, planned, strict=True):
                job.next_run = next_run
            raise
