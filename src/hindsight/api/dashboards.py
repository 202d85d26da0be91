"""Dashboard fields of the Query and Mutation roots."""

from __future__ import annotations

from typing import Annotated

import strawberry

from hindsight.resolvers import dashboards as resolvers
from hindsight.schema import args
from hindsight.schema.context import Info
from hindsight.schema.dashboards import (
    ExecutiveSummary,
    ManagerDashboard,
    RepDashboard,
    TeamMemberInput,
)
from hindsight.schema.period import PeriodInput
from hindsight.schema.pickers import TeamMember

PERIOD = "Whole UTC days; the result's `to` is the exclusive end (midnight after the last day)."


@strawberry.type
class DashboardQuery:
    @strawberry.field(description=f"One rep's numbers. {PERIOD}")
    async def rep_dashboard(
        self,
        info: Info,
        rep_id: Annotated[str, args.REP_ID],
        period: Annotated[PeriodInput | None, args.PERIOD] = None,
    ) -> RepDashboard | None:
        return RepDashboard.from_domain(await resolvers.rep_dashboard(info.context, rep_id, period))

    @strawberry.field(description=f"A team's numbers, per rep, with coaching. {PERIOD}")
    async def manager_dashboard(
        self,
        info: Info,
        team_id: Annotated[str, args.TEAM_ID],
        period: Annotated[PeriodInput | None, args.PERIOD] = None,
    ) -> ManagerDashboard | None:
        board = await resolvers.manager_dashboard(info.context, team_id, period)
        return ManagerDashboard.from_domain(board)

    @strawberry.field(description=f"The tenant's numbers, automation and calibration. {PERIOD}")
    async def executive_summary(
        self, info: Info, period: Annotated[PeriodInput | None, args.PERIOD] = None
    ) -> ExecutiveSummary | None:
        return ExecutiveSummary.from_domain(await resolvers.executive_summary(info.context, period))


@strawberry.type
class DashboardMutation:
    @strawberry.mutation(description="ADMIN: put a user in a team (the manager view's directory).")
    async def set_team_member(
        self, info: Info, input: Annotated[TeamMemberInput, args.INPUT]
    ) -> TeamMember:
        return TeamMember.of(await resolvers.set_team_member(info.context, input.to_domain()))
