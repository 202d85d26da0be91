"""Dashboard resolvers: authorise the scope, read (cached) reports, map to types."""

from __future__ import annotations

import functools

from hindsight.context import Context
from hindsight.domain import access, team
from hindsight.domain.analytics import dashboards
from hindsight.domain.analytics.measures import DashboardScope, Days
from hindsight.domain.directory import Member
from hindsight.domain.periods import Period, period_days
from hindsight.live.caching import cached
from hindsight.resolvers.common import authorize, in_tenant, read_about_rep, read_in_tenant
from hindsight.schema import dashboard_types as gql
from hindsight.schema.picker_types import TeamMember


def whole_days(ctx: Context, period: Period | None) -> Days:
    """The period's whole days in its time zone (from the first midnight to the one after
    the last day)."""
    return period_days(period, ctx.services.now())


def frame(ctx: Context, days: Days) -> gql.Frame:
    return gql.Frame(ctx.viewer.tenant_id, ctx.services.now(), days.zone)


def key(days: Days, **params: str) -> dict[str, object]:
    return {"from": days.start, "to": days.stop, "zone": days.zone, **params}


async def rep_dashboard(ctx: Context, rep_id: str, period: Period | None) -> gql.RepDashboard:
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
    return gql.RepDashboard.from_domain(frame(ctx, days), rep_id, report)


async def manager_dashboard(
    ctx: Context, team_id: str, period: Period | None
) -> gql.ManagerDashboard:
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
    return gql.ManagerDashboard.from_domain(frame(ctx, days), team_id, report)


async def executive_summary(ctx: Context, period: Period | None) -> gql.ExecutiveSummary:
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
    return gql.ExecutiveSummary.from_domain(frame(ctx, days), report)


async def set_team_member(ctx: Context, data: gql.TeamMemberInput) -> TeamMember:
    v = (await authorize(ctx, "setTeamMember")).viewer
    row = await in_tenant(
        ctx,
        lambda s: team.set_team_member(
            s,
            v.tenant_id,
            user_id=data.user_id,
            team_id=data.team_id,
            role=data.role,
            display_name=data.display_name,
        ),
    )
    return TeamMember.of(Member(row.user_id, row.team_id, row.role, row.display_name))
