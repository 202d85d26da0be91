"""``node(id:)`` and ``nodes(ids:)``: any object with identity, by its id.

Each type is read by the same resolver its own query uses, so rights are the same; an id
the viewer may not see, or that names nothing, is NOT_FOUND (docs/operations/security.md), never
FORBIDDEN. What is found comes back as a domain value with the name of the type it is (``Found``);
``api/nodes.py`` maps it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from hindsight.context import Context
from hindsight.domain import access, periods, validation
from hindsight.domain.analytics.measures import Days
from hindsight.domain.errors import Forbidden, NotFound, ValidationFailed
from hindsight.domain.feedback import reads as feedback
from hindsight.domain.identity import parse_id
from hindsight.domain.outcomes import lookup as outcomes
from hindsight.domain.outcomes import signals
from hindsight.domain.periods import Between
from hindsight.resolvers import calibration, dashboards, drift, pickers
from hindsight.resolvers.common import authorize, read_in_tenant

MAX_IDS = 100
Loader = Callable[[Context, tuple[str, ...]], Awaitable[Any]]


@dataclass(frozen=True)
class Found:
    """What an id named: ``value`` (a row, report or directory entry) of type ``type_name``."""

    type_name: str
    value: Any


async def node(ctx: Context, node_id: str, field: str = "node") -> Found:
    await authorize(ctx, field)  # every role; then the rule of the node's own query
    key = parse_id(node_id)
    try:
        if key is None:
            raise NotFound(node_id)
        for part in key.parts:  # the decoded key is input like any argument
            validation.text(part, "id")
        if key.type_name is None:
            return await _row(ctx, key.parts[0])
        loader = LOADERS.get(key.type_name)
        if loader is None:
            raise NotFound(node_id)
        return Found(key.type_name, await loader(ctx, key.parts))
    except (Forbidden, NotFound, ValidationFailed, ValueError, TypeError, KeyError):
        raise NotFound(node_id, "no object with this id") from None


async def nodes(ctx: Context, node_ids: list[str]) -> list[Coroutine[Any, Any, Found]]:
    """One lookup per id, in order, not started (the caller runs them side by side); each
    missing one is null with its own NOT_FOUND error."""
    await authorize(ctx, "nodes")
    if len(node_ids) > MAX_IDS:
        raise ValidationFailed("ids", f"at most {MAX_IDS} ids per call")
    return [node(ctx, i, "nodes") for i in node_ids]


async def _row(ctx: Context, row_id: str) -> Found:
    """Outcomes, feedback and signals keep their UUIDs: try each table the viewer may read,
    each with the right of its own query (``outcome``, ``feedback``)."""
    tenant_id = ctx.viewer.tenant_id
    try:
        scope = (await authorize(ctx, "outcome")).scope
        row = await read_in_tenant(
            ctx, lambda s: outcomes.read_outcome(s, tenant_id, row_id, scope)
        )
        return Found("Outcome", row)
    except (NotFound, Forbidden):
        pass
    try:
        vis = feedback.visibility(await authorize(ctx, "feedback"))
        entry = await read_in_tenant(
            ctx, lambda s: feedback.read_feedback(s, tenant_id, row_id, vis)
        )
        return Found("FeedbackEntry", entry)
    except (NotFound, Forbidden):
        pass
    # A signal names no rep or team: whoever reads the whole tenant's outcomes may read it.
    if (await authorize(ctx, "outcome")).reach != access.Reach.TENANT:
        raise NotFound(row_id)
    signal = await read_in_tenant(ctx, lambda s: signals.read_signal(s, tenant_id, row_id))
    return Found("Signal", signal)


def _period(ctx: Context, tenant: str, first: str, last: str, zone: str) -> Between:
    """The period a dashboard id names, held to a ``period`` argument's rules: days inside
    the calendar the database and Python hold, a real time zone."""
    if tenant != str(ctx.viewer.tenant_id):
        raise NotFound(tenant)
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    if not validation.EARLIEST.date() < start <= end < validation.LATEST.date():
        raise NotFound(tenant)
    days = Days(start, end, periods.time_zone(Between(time_zone=zone)))
    return Between(from_=days.start, to=days.stop - dt.timedelta(seconds=1), time_zone=zone)


async def _rep_dashboard(ctx: Context, parts: tuple[str, ...]) -> Any:
    tenant, rep_id, *days = parts
    return await dashboards.rep_dashboard(ctx, rep_id, _period(ctx, tenant, *days))


async def _manager_dashboard(ctx: Context, parts: tuple[str, ...]) -> Any:
    tenant, team_id, *days = parts
    return await dashboards.manager_dashboard(ctx, team_id, _period(ctx, tenant, *days))


async def _executive_summary(ctx: Context, parts: tuple[str, ...]) -> Any:
    tenant, _, *days = parts
    return await dashboards.executive_summary(ctx, _period(ctx, tenant, *days))


def _by_name(read: Callable[[Context, str], Awaitable[Any]]) -> Loader:
    """A loader of one-part keys (a name or an id)."""

    async def load(ctx: Context, parts: tuple[str, ...]) -> Any:
        (name,) = parts
        return await read(ctx, name)

    return load


LOADERS: dict[str, Loader] = {
    "Team": _by_name(pickers.team),
    "TeamMember": _by_name(pickers.member),
    "Rep": _by_name(pickers.rep),
    "ActionType": _by_name(pickers.action_type),
    "CalibrationCurve": _by_name(calibration.curve),
    "DriftAlert": _by_name(drift.drift_alert),
    "RepDashboard": _rep_dashboard,
    "ManagerDashboard": _manager_dashboard,
    "ExecutiveSummary": _executive_summary,
}
