"""Picker types: what a dashboard's filters and menus list (docs/reference/api.md)."""

from __future__ import annotations

import strawberry

from hindsight.domain import directory
from hindsight.schema import enums
from hindsight.schema.context import Info
from hindsight.schema.node import Node, global_id


@strawberry.type(description="A user's entry in the team directory (setTeamMember).")
class TeamMember(Node):
    user_id: str = strawberry.field(description="The user (for a rep: the `repId`).")
    team_id: str = strawberry.field(description="The team they belong to.")
    role: enums.Role = strawberry.field(description="Their role in the team.")
    display_name: str | None = strawberry.field(description="A name to show; null if unset.")

    @classmethod
    def of(cls, m: directory.Member) -> TeamMember:
        return cls(
            id=global_id("TeamMember", m.user_id),
            user_id=m.user_id,
            team_id=m.team_id,
            role=enums.Role(m.role),
            display_name=m.display_name,
        )


@strawberry.type(description="A team named by the directory or by outcomes' `teamId`.")
class Team(Node):
    team_id: str = strawberry.field(description="The team's id (as outcomes carry it).")

    @strawberry.field(description="Its directory entries, by user id.")
    async def members(self, info: Info) -> list[TeamMember]:
        return [TeamMember.of(m) for m in await info.context.members_of(self.team_id)]

    @classmethod
    def of(cls, team_id: str) -> Team:
        return cls(id=global_id("Team", team_id), team_id=team_id)


@strawberry.type(description="A rep: in the directory, or named by outcomes' `repId`.")
class Rep(Node):
    rep_id: str = strawberry.field(description="The rep's id (as outcomes carry it).")
    team_id: str | None = strawberry.field(
        description="Their team in the directory; null when the directory does not list them."
    )
    display_name: str | None = strawberry.field(description="From the directory; may be null.")
    in_directory: bool = strawberry.field(description="Whether setTeamMember lists them.")
    actions: int = strawberry.field(description="Outcomes recorded for them (all time).")

    @classmethod
    def of(cls, r: directory.Rep) -> Rep:
        return cls(
            id=global_id("Rep", r.rep_id),
            rep_id=r.rep_id,
            team_id=r.team_id,
            display_name=r.display_name,
            in_directory=r.in_directory,
            actions=r.actions,
        )


@strawberry.type(description="An action type the agent has recorded outcomes for.")
class ActionType(Node):
    name: str = strawberry.field(description="The `actionType` outcomes carry.")
    actions: int = strawberry.field(description="Outcomes recorded with it (all time).")

    @classmethod
    def of(cls, t: directory.Tally) -> ActionType:
        return cls(id=global_id("ActionType", t.name), name=t.name, actions=t.count)


@strawberry.type(description="A feedback tag and how many entries you may see carry it.")
class FeedbackTag:
    tag: str = strawberry.field(description="The tag.")
    count: int = strawberry.field(description="Entries carrying it.")

    @classmethod
    def of(cls, t: directory.Tally) -> FeedbackTag:
        return cls(tag=t.name, count=t.count)


@strawberry.type(description="An escalation trigger (`metadata.trigger`) and how often it fired.")
class EscalationTrigger:
    trigger: str = strawberry.field(description="The trigger; `unspecified` when none was given.")
    count: int = strawberry.field(description="ESCALATION outcomes with it (all time).")

    @classmethod
    def of(cls, t: directory.Tally) -> EscalationTrigger:
        return cls(trigger=t.name, count=t.count)
