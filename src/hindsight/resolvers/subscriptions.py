"""Subscription resolvers: authorise once, then per event filter, re-read and yield.

Each subscription listens on its tenant's channel only. An event is a notice, not the data:
the row is read again in a fresh transaction under the subscriber's own visibility, so a
subscriber sees exactly what the matching query would show them, and an event whose row
they may not see is skipped. A WebSocket's context lives as long as the connection, so its
DataLoaders are dropped before each event is resolved (none survives into the next event).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Hashable
from contextlib import aclosing
from typing import Any, TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.context import Context
from hindsight.db.models import DriftAlert, FeedbackEntry
from hindsight.domain import events as topics
from hindsight.domain import validation
from hindsight.domain.analytics.periods import Period, period_days
from hindsight.domain.calibration.curves import CurveReport, read_curves
from hindsight.domain.drift import alerts as drift
from hindsight.domain.enums import OutcomeEventKind, OutcomeStatus
from hindsight.domain.errors import NotFound, ValidationFailed
from hindsight.domain.events import Delivered, OutcomeChange
from hindsight.domain.feedback import reads as feedback_reads
from hindsight.domain.outcomes import lookup as outcomes
from hindsight.live import resume
from hindsight.live.coalesce import coalesce
from hindsight.live.hub import LiveScope, Snapshot, hub_for
from hindsight.live.shared_reads import SharedReads, reads_for
from hindsight.resolvers.common import authorize, authorize_rep
from hindsight.services import channel

T = TypeVar("T")
Message = dict[str, Any]
Cursored = tuple[Message, str | None]  # an event's message and its cursor, if it has one
log = logging.getLogger(__name__)

MIN_BACKOFF = 0.1
MAX_BACKOFF = 5.0
_SKIP = object()


async def _notices(
    ctx: Context,
    topic: str,
    shape: Callable[[AsyncIterator[Message]], AsyncIterator[Message]],
) -> AsyncGenerator[Cursored, None]:
    """The broker's messages on the tenant's ``topic`` (no cursor), through ``shape``."""
    channel_name = channel(ctx.viewer.tenant_id, topic)
    async with ctx.services.broker.subscribe(channel_name) as messages:
        async for message in shape(messages):
            yield message, None


async def _logged(ctx: Context, topic: str, after: str | None) -> AsyncGenerator[Cursored, None]:
    """The tenant's ``topic`` events from the outbox, after ``after`` or from now, each with
    its cursor (``live/resume.py``): what cursor-taking subscriptions read. A subscription
    of another topic (``driftAlerts``) is the same call with its topic."""
    position = resume.parse_cursor(ctx.services, after)
    entries = resume.entries(ctx.services, ctx.viewer.tenant_id, topic, position)
    async with aclosing(entries):  # closed with the subscription, not when collected
        async for entry in entries:
            yield entry.message, entry.cursor


async def _stream(
    ctx: Context,
    topic: str,
    events: AsyncGenerator[Cursored, None],
    visible_as: Hashable,
    accept: Callable[[Message], bool],
    load: Callable[[Message, AsyncSession], Awaitable[T]],
) -> AsyncIterator[Delivered[T]]:
    """The ``events`` that pass ``accept``, each loaded in a fresh read-only transaction,
    once per (event, ``visible_as``) in the process (``shared_reads``)."""
    tenant_id, services = ctx.viewer.tenant_id, ctx.services
    reads = reads_for(services)
    async with aclosing(events):  # its broker or outbox subscription ends with this one
        async for message, cursor in events:
            if not accept(message):
                continue
            event_id = str(message.get("id"))
            key = (topic, tenant_id, event_id, visible_as)
            work = functools.partial(load, message)
            run = functools.partial(services.db.run, tenant_id, work, readonly=True)
            item = await _read_patiently(reads, key, run)
            if item is _SKIP:
                continue
            ctx.loaders = {}
            yield Delivered(cast(T, item), event_id, cursor)


async def _read_patiently(
    reads: SharedReads, key: Hashable, run: Callable[[], Awaitable[T]]
) -> T | object:
    """The event's re-read; ``_SKIP`` when it is not for this subscriber. Any other failure
    (the database restarting) is retried with backoff: a subscription ends only when its
    client leaves, never because the database was away for a while."""
    failures = 0
    while True:
        try:
            return await reads.read(key, run)
        except (NotFound, KeyError):  # not theirs to see, gone, or a malformed notice
            return _SKIP
        except Exception as error:
            failures += 1
            delay = min(MAX_BACKOFF, MIN_BACKOFF * 2 ** (failures - 1))
            level = logging.WARNING if failures == 1 else logging.DEBUG
            log.log(level, "re-read of %s failed (%r); retrying in %.1fs", key, error, delay)
            await asyncio.sleep(delay)


async def outcome_events(
    ctx: Context, kinds: list[OutcomeEventKind] | None, after: str | None = None
) -> AsyncIterator[Delivered[OutcomeChange]]:
    """Outcomes recorded or resolved that the viewer may read (a REP: their own): those
    after the cursor ``after`` first, then live."""
    viewer = ctx.viewer
    scope = (await authorize(ctx, "outcomeEvents")).scope
    wanted = {OutcomeEventKind(k).value for k in kinds} if kinds else None

    def accept(m: Message) -> bool:
        if wanted is not None and m.get("kind") not in wanted:
            return False
        return scope.rep_id is None or m.get("repId") == scope.rep_id

    async def load(m: Message, s: AsyncSession) -> OutcomeChange:
        row = await outcomes.read_outcome(s, viewer.tenant_id, str(m["outcomeId"]), scope)
        kind, status = OutcomeEventKind(m["kind"]), OutcomeStatus(m["status"])
        return OutcomeChange(str(m["id"]), kind, status, row)

    events = _logged(ctx, topics.OUTCOMES, after)
    async for change in _stream(ctx, topics.OUTCOMES, events, scope, accept, load):
        yield change


async def feedback_events(
    ctx: Context, after: str | None = None
) -> AsyncIterator[Delivered[FeedbackEntry]]:
    """Feedback given or changed that the viewer may read (a REP: on their outcomes or
    theirs): those after the cursor ``after`` first, then live."""
    viewer = ctx.viewer
    vis = feedback_reads.visibility(await authorize(ctx, "feedbackEvents"))
    own_only = vis.subject is not None and vis.team_id is None

    def accept(m: Message) -> bool:
        return not own_only or viewer.subject in (m.get("repId"), m.get("reviewerId"))

    async def load(m: Message, s: AsyncSession) -> FeedbackEntry:
        return await feedback_reads.read_feedback(s, viewer.tenant_id, str(m["feedbackId"]), vis)

    events = _logged(ctx, topics.FEEDBACK, after)
    async for entry in _stream(ctx, topics.FEEDBACK, events, vis, accept, load):
        yield entry


async def calibration_updates(ctx: Context, action_type: str | None) -> AsyncIterator[CurveReport]:
    """The curve of an action type whenever a resolution, an adjustment or a repair changes
    it (or of every type), at most once per ``min_interval`` per action type."""
    await authorize(ctx, "calibrationUpdates")
    name = validation.action_type(action_type) if action_type is not None else None
    tenant_id = ctx.viewer.tenant_id

    def accept(m: Message) -> bool:
        return name is None or m.get("actionType") == name

    async def load(m: Message, s: AsyncSession) -> CurveReport:
        return (await read_curves(s, tenant_id, [str(m["actionType"])]))[0]

    interval = hub_for(ctx.services).min_interval

    def shape(messages: AsyncIterator[Message]) -> AsyncIterator[Message]:
        accepted = (m async for m in messages if accept(m))
        return coalesce(accepted, lambda m: m.get("actionType"), interval)

    events = _notices(ctx, topics.CALIBRATION, shape)
    async for report in _stream(ctx, topics.CALIBRATION, events, None, accept, load):
        yield report.item


async def drift_alerts(
    ctx: Context, after: str | None = None
) -> AsyncIterator[Delivered[DriftAlert]]:
    """Each drift alert of the tenant when it is raised, and again when it is acknowledged:
    those after the cursor ``after`` first, then live."""
    await authorize(ctx, "driftAlerts")
    tenant_id = ctx.viewer.tenant_id

    async def load(m: Message, s: AsyncSession) -> DriftAlert:
        return await drift.read_alert(s, tenant_id, str(m["alertId"]))

    events = _logged(ctx, topics.DRIFT, after)
    async for alert in _stream(ctx, topics.DRIFT, events, None, lambda _m: True, load):
        yield alert


async def authorize_scope(
    ctx: Context,
    rep_id: str | None,
    team_id: str | None,
    executive: bool | None,
    period: Period | None = None,
) -> LiveScope:
    """Exactly one of the three, with the same rights as the matching dashboard query."""
    await authorize(ctx, "dashboardUpdates")
    if sum((rep_id is not None, team_id is not None, bool(executive))) != 1:
        raise ValidationFailed("scope", "give exactly one of repId, teamId or executive: true")
    if rep_id is not None:
        await authorize_rep(ctx, "repDashboard", rep_id)
    elif team_id is not None:
        (await authorize(ctx, "managerDashboard")).require_team(team_id)
    else:
        await authorize(ctx, "executiveSummary")
    days = period_days(period, ctx.services.now())
    if period is None or period.from_ is None:  # the default window, rolling with the days
        return LiveScope(rep_id=rep_id, team_id=team_id, zone=days.zone)
    return LiveScope(rep_id, team_id, days.first, days.last, days.zone)


async def dashboard_updates(
    ctx: Context,
    rep_id: str | None,
    team_id: str | None,
    executive: bool | None,
    period: Period | None = None,
) -> AsyncIterator[Snapshot]:
    """The scope's current dashboard, then a fresh one whenever its numbers change."""
    scope = await authorize_scope(ctx, rep_id, team_id, executive, period)
    tenant_id: uuid.UUID = ctx.viewer.tenant_id
    async with hub_for(ctx.services).watch(ctx.services, tenant_id, scope) as snapshots:
        async for snapshot in snapshots:
            yield snapshot
