"""Dashboard resolvers: authorise the scope, read the (cached) report, return it with its
frame (tenant, time, time zone) as a domain dashboard."""

from __future__ import annotations

import functools

from hindsight.context import Context
from hindsight.domain import access
from hindsight.domain.analytics import dashboards
from hindsight.domain.analytics.measures import DashboardScope, Days
from hindsight.domain.analytics.periods import Period, period_days
from hindsight.domain.directory import teams
from hindsight.domain.directory.pickers import Member
from hindsight.domain.enums import Role
from hindsight.live.caching import cached
from hindsight.resolvers.common import authorize, in_tenant, read_about_rep, read_in_tenant


def whole_days(ctx: Context, period: Period | None) -> Days:
    """The period's whole days in its time zone (from the first midnight to the one after
    the last day)."""
    return period_days(period, ctx.services.now())


def frame(ctx: Context, days: Days) -> dashboards.Frame:
    return dashboards.Frame(ctx.viewer.tenant_id, ctx.services.now(), days.zone)


def key(days: Days, **params: str) -> dict[str, object]:
    return {"from": days.start, "to": days.stop, "zone": days.zone, **params}


async def rep_dashboard(
    ctx: Context, rep_id: str, period: Period | None
) -> dashboards.RepDashboard:
    v = ctx.viewer
    grant = access.grant(v, "repDashboard")  # the team, if needed, is read with the report
    days = whole_days(ctx, period)
    scope = DashboardScope(rep_id=rep_id)
    report = await read_about_rep(
        ctx,
        grant,
        rep_id,
        functools.partial(cached, ctx, "rep", key(days, rep=rep_id), dashboards.Overview),
        lambda s: dashboards.overview(s, v.tenant_id, scope, days.start, days.stop, zone=days.zone),
    )
    return dashboards.RepDashboard(frame(ctx, days), rep_id, report)


async def manager_dashboard(
    ctx: Context, team_id: str, period: Period | None
) -> dashboards.ManagerDashboard:
    v = ctx.viewer
    (await authorize(ctx, "managerDashboard")).require_team(team_id)
    days = whole_days(ctx, period)
    report = await cached(
        ctx,
        "manager",
        key(days, team=team_id),
        dashboards.ManagerReport,
        lambda: read_in_tenant(
            ctx,
            lambda s: dashboards.manager_report(
                s, v.tenant_id, team_id, days.start, days.stop, zone=days.zone
            ),
        ),
    )
    return dashboards.ManagerDashboard(frame(ctx, days), team_id, report)


async def executive_summary(ctx: Context, period: Period | None) -> dashboards.ExecutiveSummary:
    v = ctx.viewer
    await authorize(ctx, "executiveSummary")
    days = whole_days(ctx, period)
    minutes = ctx.services.settings.minutes_saved_per_action
    report = await cached(
        ctx,
        "executive",
        key(days),
        dashboards.ExecutiveReport,
        lambda: read_in_tenant(
            ctx,
            lambda s: dashboards.executive_report(
                s,
                v.tenant_id,
                days.start,
                days.stop,
                minutes_saved_per_action=minutes,
                zone=days.zone,
            ),
        ),
    )
    return dashboards.ExecutiveSummary(frame(ctx, days), report)


async def set_team_member(ctx: Context, member: Member) -> Member:
    """Create or replace ``member``'s directory entry; the entry as stored."""
    v = (await authorize(ctx, "setTeamMember")).viewer
    row = await in_tenant(
        ctx,
        lambda s: teams.set_team_member(
            s,
            v.tenant_id,
            user_id=member.user_id,
            team_id=member.team_id,
            role=Role(member.role),
            display_name=member.display_name,
        ),
    )
    return Member(row.user_id, row.team_id, row.role, row.display_name)
