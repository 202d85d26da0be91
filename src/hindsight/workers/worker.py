"""``hindsight worker``: the schedule as an arq worker (production mode,
docs/operations/workers.md).

Every scheduled job is an arq ``cron`` entry on UTC ticks (``workers.ticks``) with
``unique=True``: each worker enqueues a tick under the id ``cron:<job>:<tick ms>`` and arq
refuses a second job with an id it already holds, so several workers run each tick once.
Results are kept for two periods, longer than any worker can still enqueue that tick.

Timeouts: a tick must end before the next one (its period, capped at an hour). Retries:
the detection jobs are idempotent (resolution is a conditional update of PENDING rows), so
a try cut short by a shutdown is retried; the calibration job is not (a second run within
a tick could step a multiplier twice), so it runs at most once per tick.

``--burst`` runs the latest tick of every job, then exits: the same job ids, so a burst
worker never repeats a tick that a worker already ran.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from arq.connections import ArqRedis, RedisSettings
from arq.cron import CronJob, cron
from arq.utils import to_unix_ms
from arq.worker import Worker, get_kwargs
from sqlalchemy import inspect, text

from hindsight import telemetry
from hindsight.db.engine import Database
from hindsight.db.migrate import head_revision
from hindsight.services import Services, build_services
from hindsight.settings import Settings
from hindsight.workers import scheduler, ticks
from hindsight.workers.calibration_jobs import CALIBRATION_JOB
from hindsight.workers.resilient import ResilientWorker

log = logging.getLogger(__name__)

QUEUE = "hindsight:queue"
HEALTH_KEY = "hindsight:worker:health"
HEALTH_CHECK_SECONDS = 60
MAX_TIMEOUT_SECONDS = 3600
IDEMPOTENT_TRIES = 3
NOT_RETRIED = frozenset({CALIBRATION_JOB})

Ctx = dict[str, Any]


def cron_name(job: str) -> str:
    return f"cron:{job}"


def tick_job_id(job: str, tick: dt.datetime) -> str:
    """The id arq gives the job of one tick (``{cron name}:{unix ms}``)."""
    return f"{cron_name(job)}:{to_unix_ms(tick)}"


def _job(name: str) -> Any:
    async def run(ctx: Ctx) -> str:
        services: Services = ctx["services"]
        with telemetry.job_span(name):
            return repr(await scheduler.job(services, name)())

    run.__qualname__ = f"{name}_job"
    return run


def cron_jobs(settings: Settings) -> list[CronJob]:
    jobs = []
    for name, interval in scheduler.intervals(settings).items():
        period = ticks.period(interval)
        jobs.append(
            cron(
                _job(name),
                name=cron_name(name),
                unique=True,
                timeout=min(period, MAX_TIMEOUT_SECONDS),
                keep_result=2 * period,
                max_tries=1 if name in NOT_RETRIED else IDEMPOTENT_TRIES,
                **ticks.cron_fields(period),
            )
        )
    return jobs


async def schema_revision(db: Database) -> str | None:
    """The database's alembic revision; None for a database never migrated."""
    async with db.engine.connect() as connection:
        if not await connection.run_sync(lambda c: inspect(c).has_table("alembic_version")):
            return None
        result = await connection.execute(text("SELECT version_num FROM alembic_version"))
        return result.scalar_one_or_none()


async def require_schema_at_head(db: Database) -> None:
    current, head = await schema_revision(db), head_revision()
    if current != head:
        found = current or "no schema (never migrated)"
        raise RuntimeError(
            f"the database has {found}, this worker needs revision {head}: "
            "run `hindsight migrate` first"
        )


async def enqueue_latest_ticks(redis: ArqRedis, settings: Settings, now: dt.datetime) -> int:
    """Enqueue every job's latest tick (``--burst``); ticks already held are refused."""
    queued = 0
    for name, interval in scheduler.intervals(settings).items():
        tick = ticks.last_tick(now, ticks.period(interval))
        job_id = tick_job_id(name, tick)
        queued += await redis.enqueue_job(cron_name(name), _job_id=job_id) is not None
    return queued


def _on_startup(settings: Settings, burst: bool) -> Any:
    async def on_startup(ctx: Ctx) -> None:
        services = ctx["services"] = build_services(settings)
        await require_schema_at_head(services.db)
        if burst:
            queued = await enqueue_latest_ticks(ctx["redis"], settings, services.now())
            log.info("burst: %d of the latest ticks queued here", queued)

    return on_startup


async def _on_shutdown(ctx: Ctx) -> None:
    services: Services | None = ctx.pop("services", None)
    if services is not None:
        await services.close()


def worker_settings(settings: Settings, *, burst: bool = False) -> type:
    """arq ``WorkerSettings`` for ``settings`` (what ``arq.run_worker`` takes)."""
    if not settings.redis_url:
        raise RuntimeError("hindsight worker needs HINDSIGHT_REDIS_URL: arq queues in Redis")
    attributes = {
        "cron_jobs": cron_jobs(settings),
        "redis_settings": RedisSettings.from_dsn(settings.redis_url),
        "queue_name": QUEUE,
        "health_check_key": HEALTH_KEY,
        "health_check_interval": HEALTH_CHECK_SECONDS,
        "on_startup": _on_startup(settings, burst),
        "on_shutdown": _on_shutdown,
        "timezone": dt.UTC,
        "burst": burst,
    }
    return type("WorkerSettings", (), attributes)


def create(settings: Settings, *, burst: bool = False, **overrides: Any) -> Worker:
    """A worker that outlives Redis outages (tests run several in one event loop with
    ``handle_signals=False``)."""
    return ResilientWorker(**{**get_kwargs(worker_settings(settings, burst=burst)), **overrides})


def run(settings: Settings, *, burst: bool = False) -> Worker:
    """``hindsight worker``: run until a signal stops it (or, in burst mode, the ticks end)."""
    worker = create(settings, burst=burst)
    worker.run()
    return worker


def __getattr__(name: str) -> Any:
    # ``arq hindsight.workers.worker.WorkerSettings`` works too, reading the environment
    # only when asked (importing this module reads nothing).
    if name == "WorkerSettings":
        return worker_settings(Settings())
    raise AttributeError(name)
