"""``hindsight worker``: cron ticks that agree with arq, settings, the schema check, and
several workers in burst mode on one Redis running each tick once."""

from __future__ import annotations

import asyncio
import datetime as dt
import warnings
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from arq.cron import next_cron

from hindsight.db import migrate
from hindsight.settings import Settings
from hindsight.workers import ticks, worker
from tests.conftest import SECRET
from tests.live.processes import RedisServer, redis_server

NOW = dt.datetime(2026, 3, 14, 15, 9, 26, 535_897, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("interval", "period"),
    [
        (0.5, 1),
        (45, 30),
        (60, 60),
        (7 * 60, 6 * 60),
        (900, 900),
        (3600, 3600),
        (5 * 3600, 4 * 3600),
        (6 * 3600, 6 * 3600),
        (24 * 3600, 86400),
        (7 * 86400, 86400),
    ],
)
def test_an_interval_runs_at_least_as_often_as_asked(interval: float, period: int) -> None:
    assert ticks.period(interval) == period


@pytest.mark.parametrize("period", ticks.PERIODS)
def test_ticks_are_the_instants_arq_schedules(period: int) -> None:
    tick = ticks.last_tick(NOW, period)
    assert tick <= NOW < tick + dt.timedelta(seconds=period)
    fields = ticks.cron_fields(period)
    assert next_cron(tick, **fields) == tick + dt.timedelta(seconds=period)
    assert next_cron(NOW, **fields) == tick + dt.timedelta(seconds=period)


def test_settings_need_redis_and_map_every_job() -> None:
    with pytest.raises(RuntimeError, match="REDIS_URL"):
        worker.worker_settings(Settings(redis_url=None))
    settings = Settings(redis_url="redis://127.0.0.1:1/0", expiry_interval_seconds=3600)
    jobs = {job.name: job for job in worker.worker_settings(settings).cron_jobs}
    assert set(jobs) == {
        "cron:immediate",
        "cron:engagement",
        "cron:deal_progression",
        "cron:window_end",
        "cron:calibration",
        "cron:outbox_prune",
        "cron:drift",
    }
    assert all(job.unique for job in jobs.values())
    assert jobs["cron:window_end"].minute == 0 and jobs["cron:window_end"].timeout_s == 3600
    assert jobs["cron:immediate"].minute == {0, 15, 30, 45}
    assert jobs["cron:calibration"].max_tries == 1 and jobs["cron:window_end"].max_tries == 3
    assert jobs["cron:outbox_prune"].minute == 0 and jobs["cron:outbox_prune"].max_tries == 3
    assert jobs["cron:drift"].second == 0 and jobs["cron:drift"].minute == set(range(60))
    assert jobs["cron:drift"].max_tries == 3  # state, marks and alerts commit together: retry


@pytest_asyncio.fixture
async def redis() -> AsyncIterator[RedisServer]:
    async with redis_server() as server:
        yield server


async def settings_for(tmp_path: Path, redis: RedisServer, *, migrated: bool = True) -> Settings:
    url = f"sqlite+aiosqlite:///{tmp_path / 'hindsight.db'}"
    if migrated:
        await asyncio.to_thread(migrate.upgrade, url)
    return Settings(database_url=url, redis_url=redis.url(), jwt_secret=SECRET)


async def burst(settings: Settings, count: int) -> list[int]:
    """Run ``count`` burst workers side by side; the jobs each one completed."""
    workers = [worker.create(settings, burst=True, handle_signals=False) for _ in range(count)]
    try:
        await asyncio.wait_for(asyncio.gather(*(w.async_run() for w in workers)), 30)
        assert [w.jobs_failed for w in workers] == [0] * count
        return [w.jobs_complete for w in workers]
    finally:
        for w in workers:
            with warnings.catch_warnings():  # arq 0.28 closes its pool with redis-py's old close()
                warnings.simplefilter("ignore", DeprecationWarning)
                await w.close()


async def test_workers_in_burst_mode_run_each_tick_once(tmp_path: Path, redis: RedisServer) -> None:
    settings = await settings_for(tmp_path, redis)
    start = dt.datetime.now(dt.UTC)
    first = sum(await burst(settings, 2))
    later = sum(await burst(settings, 1))
    new = ticks_between(settings, start, dt.datetime.now(dt.UTC))  # drift's minute, say
    assert first >= 7  # seven jobs at startup, each once between the two workers
    assert first + later <= 7 + new  # and a later worker repeats none; only new ticks run


def ticks_between(settings: Settings, start: dt.datetime, end: dt.datetime) -> int:
    """How many scheduled runs of all the worker's cron jobs fall in (start, end]."""
    count = 0
    for job in worker.worker_settings(settings).cron_jobs:
        fields = {name: getattr(job, name) for name in ("month", "day", "weekday", "hour")}
        fields |= {"minute": job.minute, "second": job.second, "microsecond": job.microsecond}
        tick = next_cron(start.replace(tzinfo=None), **fields)
        while tick <= end.replace(tzinfo=None):
            count += 1
            tick = next_cron(tick, **fields)
    return count


async def test_a_worker_refuses_a_database_that_is_not_migrated(
    tmp_path: Path, redis: RedisServer
) -> None:
    settings = await settings_for(tmp_path, redis, migrated=False)
    with pytest.raises(RuntimeError, match="hindsight migrate"):
        await burst(settings, 1)
