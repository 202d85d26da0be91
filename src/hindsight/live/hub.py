"""The ``dashboardUpdates`` hub: one computing task per (tenant, scope) in a process.

However many subscribers watch a scope, the process subscribes to the tenant's events once
per scope, recomputes the dashboard once per change (at most once per ``min_interval``, so a
burst of writes costs one computation) and hands the same snapshot to every local
subscriber. A snapshot equal to the previous one is not sent again. A subscriber that has
not taken the last snapshot yet only ever gets the newest one: dashboards are state, not a
log. Snapshots are computed from the rollups, never read from the report cache: an event
can arrive before its writer has bumped the tenant's cache version. A snapshot holds the
domain dashboard; the subscription field maps it onto its GraphQL type once per snapshot
(``Snapshot.shaped``), for every subscriber alike.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.domain import events as topics
from hindsight.domain.analytics import dashboards
from hindsight.domain.analytics.measures import DashboardScope, Days
from hindsight.domain.analytics.periods import Between, period_days
from hindsight.domain.errors import Unavailable
from hindsight.live.per_process import PerProcess
from hindsight.services import Services, channel

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_RETRY_DELAY = 30.0
HISTORY = 64


@dataclass(frozen=True)
class LiveScope:
    """One rep, one team, or (neither) the tenant's executive summary; over fixed days
    (``first``..``last``) or, without them, the default 30 days ending today, in ``zone``."""

    rep_id: str | None = None
    team_id: str | None = None
    first: dt.date | None = None
    last: dt.date | None = None
    zone: str = "UTC"

    def days(self, now: dt.datetime) -> Days:
        if self.first is not None and self.last is not None:
            return Days(self.first, self.last, self.zone)
        return period_days(Between(time_zone=self.zone), now)

    @property
    def topics(self) -> tuple[str, ...]:
        # Calibration health and open drift alerts are part of the executive summary only.
        executive = self.rep_id is None and self.team_id is None
        extra: tuple[str, ...] = (topics.CALIBRATION, topics.DRIFT) if executive else ()
        if self.team_id is not None:
            extra = (topics.TEAM,)  # who is in the team changes the manager view
        return (topics.OUTCOMES, topics.FEEDBACK, *extra)

    def relevant(self, message: dict[str, Any]) -> bool:
        """Whether an event may change this scope's numbers, judged before any SQL.

        A rep's events name the rep; a team's cannot be told apart without the directory,
        so every event counts (and an unchanged snapshot is simply not sent).
        """
        return self.rep_id is None or message.get("repId") == self.rep_id


@dataclass(frozen=True)
class Snapshot:
    dashboard: dashboards.Dashboard
    id: str = field(default_factory=lambda: uuid.uuid4().hex, compare=False)
    _shapes: dict[object, object] = field(default_factory=dict, compare=False, repr=False)

    def same_numbers(self, other: Snapshot | None) -> bool:
        """Equal dashboards apart from when they were generated."""
        if other is None:
            return False
        theirs = other.dashboard
        return dashboards.regenerated(self.dashboard, theirs.frame.generated_at) == theirs

    def shaped(self, shape: Callable[[dashboards.Dashboard], T]) -> T:
        """``shape(dashboard)``, made once per snapshot and ``shape``: every subscriber of
        the scope is handed the same result, as they are the same snapshot."""
        if shape not in self._shapes:
            self._shapes[shape] = shape(self.dashboard)
        return cast(T, self._shapes[shape])


class Latest:
    """One subscriber's mailbox: holds only the newest undelivered snapshot."""

    def __init__(self) -> None:
        self._value: Snapshot | None = None
        self._ended = False
        self._ready = asyncio.Event()

    def offer(self, snapshot: Snapshot) -> None:
        self._value = snapshot
        self._ready.set()

    def end(self) -> None:
        self._ended = True
        self._ready.set()

    def __aiter__(self) -> Latest:
        return self

    async def __anext__(self) -> Snapshot:
        await self._ready.wait()
        value, self._value = self._value, None
        if value is None:  # ended, nothing left to hand out
            raise StopAsyncIteration
        if not self._ended:
            self._ready.clear()
        return value


async def compute(services: Services, tenant_id: uuid.UUID, scope: LiveScope) -> Snapshot:
    """The scope's dashboard over its days, read-only."""
    now = services.now()
    days = scope.days(now)
    start, end, zone = days.start, days.stop, days.zone
    frame = dashboards.Frame(tenant_id, now, zone)

    def read(work: Callable[[AsyncSession], Awaitable[T]]) -> Awaitable[T]:
        return services.db.run(tenant_id, work, readonly=True)

    if scope.rep_id is not None:
        where = DashboardScope(rep_id=scope.rep_id)
        view = await read(lambda s: dashboards.overview(s, tenant_id, where, start, end, zone=zone))
        return Snapshot(dashboards.RepDashboard(frame, scope.rep_id, view))
    if scope.team_id is not None:
        team = scope.team_id
        report = await read(
            lambda s: dashboards.manager_report(s, tenant_id, team, start, end, zone=zone)
        )
        return Snapshot(dashboards.ManagerDashboard(frame, team, report))
    minutes = services.settings.minutes_saved_per_action
    summary = await read(
        lambda s: dashboards.executive_report(
            s, tenant_id, start, end, minutes_saved_per_action=minutes, zone=zone
        )
    )
    return Snapshot(dashboards.ExecutiveSummary(frame, summary))


class Feed:
    """One (tenant, scope): its event subscriptions, its computing task, its listeners."""

    def __init__(
        self, services: Services, tenant_id: uuid.UUID, scope: LiveScope, min_interval: float
    ) -> None:
        self.services, self.tenant_id, self.scope = services, tenant_id, scope
        self.min_interval = min_interval
        self.latest: Snapshot | None = None
        self.computations = 0
        # When (loop time) each of the latest computations started: what the feed decided,
        # for tests and benchmarks that check the pacing under any load.
        self.started: deque[float] = deque(maxlen=HISTORY)
        self._listeners: set[Latest] = set()
        self._dirty = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name=f"dashboard-feed {scope}")

    def join(self) -> Latest:
        listener = Latest()
        if self.latest is not None:
            listener.offer(self.latest)
        self._listeners.add(listener)
        return listener

    def leave(self, listener: Latest) -> bool:
        """Drop a listener; True when it was the last one."""
        self._listeners.discard(listener)
        return not self._listeners

    async def stop(self) -> None:
        self._task.cancel()
        with suppress(asyncio.CancelledError):
            await self._task

    async def _run(self) -> None:
        try:
            async with AsyncExitStack() as stack:
                # Subscribed before the first computation: no change can fall in between.
                for topic in self.scope.topics:
                    messages = await stack.enter_async_context(
                        self.services.broker.subscribe(channel(self.tenant_id, topic))
                    )
                    watcher = asyncio.create_task(self._watch(messages))
                    stack.callback(watcher.cancel)
                await self._refresh_forever()
        finally:
            for listener in self._listeners:
                listener.end()

    async def _watch(self, messages: AsyncIterator[dict[str, Any]]) -> None:
        async for message in messages:
            if self.scope.relevant(message):
                self._dirty.set()
        self._task.cancel()  # the broker closed: the process is shutting down

    async def _refresh_forever(self) -> None:
        loop, failures = asyncio.get_running_loop(), 0
        while True:
            started = loop.time()
            self.started.append(started)
            self._dirty.clear()  # before computing: a change meanwhile means another round
            failures = 0 if await self._refresh() else failures + 1
            await self._dirty.wait()
            delay = min(MAX_RETRY_DELAY, self.min_interval * 2 ** min(failures, 5))
            await asyncio.sleep(max(0.0, started + delay - loop.time()))

    async def _refresh(self) -> bool:
        """Compute and publish a snapshot; False when that failed (it is tried again, so a
        failure must not end the feed). A database away (restarting) is one WARNING line;
        anything else is a bug, logged with its traceback."""
        try:
            self._publish(await compute(self.services, self.tenant_id, self.scope))
            return True
        except Unavailable as error:
            log.warning("dashboard snapshot for %s failed, will retry: %s", self.scope, error)
        except Exception:
            log.exception("dashboard snapshot for %s failed", self.scope)
        self._dirty.set()
        return False

    def _publish(self, snapshot: Snapshot) -> None:
        self.computations += 1
        if snapshot.same_numbers(self.latest):
            return
        self.latest = snapshot
        for listener in self._listeners:
            listener.offer(snapshot)


class DashboardHub:
    """The process's feeds, keyed by (tenant, scope)."""

    def __init__(self, *, min_interval: float) -> None:
        self.min_interval = min_interval  # seconds between two computations of one scope
        self.feeds: dict[tuple[uuid.UUID, LiveScope], Feed] = {}

    @asynccontextmanager
    async def watch(
        self, services: Services, tenant_id: uuid.UUID, scope: LiveScope
    ) -> AsyncIterator[Latest]:
        """Snapshots of the scope: the current one first, then one per change."""
        key = (tenant_id, scope)
        feed = self.feeds.get(key)
        if feed is None:
            feed = self.feeds[key] = Feed(services, tenant_id, scope, self.min_interval)
        listener = feed.join()
        try:
            yield listener
        finally:
            if feed.leave(listener) and self.feeds.get(key) is feed:
                del self.feeds[key]
                await feed.stop()


# One hub per process (or per app in tests); it holds no reference back.
hub_for = PerProcess(
    lambda services: DashboardHub(min_interval=services.settings.dashboard_update_interval_seconds)
)
