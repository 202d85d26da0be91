"""Coaching resolvers: check the role, turn the period into UTC days, read through the cache.

Who sees what: MANAGER, EXECUTIVE, ANALYST and ADMIN read coaching; REP and AGENT may not.
A MANAGER sees the tenant-wide patterns, not only their team's. The patterns describe the
agent's action types, outcome types and escalation triggers — aggregates that name no rep —
and the agent's playbook is one per tenant, so a team's slice would mostly fall under
``minSamples`` while saying nothing about the team that the whole does not say better.
The team-scoped view is the manager dashboard's ``coachingOpportunities``. Because every
allowed role sees the same numbers, one cache entry per (tenant, query, days, arguments)
serves them all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.context import Context
from hindsight.domain.analytics.measures import Days
from hindsight.domain.analytics.patterns import Pattern
from hindsight.domain.analytics.periods import Period, period_days
from hindsight.domain.coaching import reports as coaching
from hindsight.live.caching import cached
from hindsight.resolvers.common import authorize, read_in_tenant

Work = Callable[[AsyncSession, Days], Awaitable[list[Pattern]]]


async def _patterns(
    ctx: Context, name: str, period: Period | None, params: dict[str, Any], work: Work
) -> list[Pattern]:
    """The rollups' grain is the UTC day, so the days (not the instants) key the cache and
    the default period hits it all day long."""
    await authorize(ctx, name)
    days = period_days(period, ctx.services.now(), utc_only=True)
    key = {"first": days.first, "last": days.last, **params}
    return await cached(
        ctx, name, key, list[Pattern], lambda: read_in_tenant(ctx, lambda s: work(s, days))
    )


async def coaching_patterns(ctx: Context, period: Period | None, min_samples: int) -> list[Pattern]:
    tenant = ctx.viewer.tenant_id
    return await _patterns(
        ctx,
        "coachingPatterns",
        period,
        {"minSamples": min_samples},
        lambda s, days: coaching.coaching_patterns(s, tenant, days=days, min_samples=min_samples),
    )


async def escalation_patterns(ctx: Context, period: Period | None) -> list[Pattern]:
    tenant = ctx.viewer.tenant_id
    return await _patterns(
        ctx,
        "escalationPatterns",
        period,
        {},
        lambda s, days: coaching.escalation_patterns(s, tenant, days=days),
    )


async def top_performing_actions(ctx: Context, period: Period | None, limit: int) -> list[Pattern]:
    tenant = ctx.viewer.tenant_id
    return await _patterns(
        ctx,
        "topPerformingActions",
        period,
        {"limit": limit},
        lambda s, days: coaching.top_performing_actions(s, tenant, days=days, limit=limit),
    )


async def improvement_areas(ctx: Context, period: Period | None) -> list[Pattern]:
    tenant = ctx.viewer.tenant_id
    return await _patterns(
        ctx,
        "improvementAreas",
        period,
        {},
        lambda s, days: coaching.improvement_areas(s, tenant, days=days),
    )
