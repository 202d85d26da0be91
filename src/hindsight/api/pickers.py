"""Picker fields of the Query root: each asks one resolver and maps the directory's values."""

from __future__ import annotations

from typing import Annotated

import strawberry

from hindsight.resolvers import pickers
from hindsight.schema.context import Info
from hindsight.schema.pickers import ActionType, EscalationTrigger, FeedbackTag, Rep, Team

SCOPE = " Within your outcome scope: MANAGER their team, REP their own; others the tenant."
TEAM_ID = strawberry.argument(description="The team's id (as outcomes carry it).")


@strawberry.type
class PickerQuery:
    @strawberry.field(description="Teams, by id." + SCOPE)
    async def teams(self, info: Info) -> list[Team] | None:
        return [Team.of(t) for t in await pickers.teams(info.context)]

    @strawberry.field(description="One team with its members; NOT_FOUND outside your scope.")
    async def team(self, info: Info, team_id: Annotated[str, TEAM_ID]) -> Team | None:
        return Team.of(await pickers.team(info.context, team_id))

    @strawberry.field(description="Reps, by id, with their outcome counts." + SCOPE)
    async def reps(self, info: Info) -> list[Rep] | None:
        return [Rep.of(r) for r in await pickers.reps(info.context)]

    @strawberry.field(description="Action types, by name, with their outcome counts." + SCOPE)
    async def action_types(self, info: Info) -> list[ActionType] | None:
        return [ActionType.of(t) for t in await pickers.action_types(info.context)]

    @strawberry.field(description="Feedback tags you may see, by tag, with counts. Not for AGENT.")
    async def feedback_tags(self, info: Info) -> list[FeedbackTag] | None:
        return [FeedbackTag.of(t) for t in await pickers.feedback_tags(info.context)]

    @strawberry.field(description="Escalation triggers, by name, with counts." + SCOPE)
    async def escalation_triggers(self, info: Info) -> list[EscalationTrigger] | None:
        found = await pickers.escalation_triggers(info.context)
        return [EscalationTrigger.of(t) for t in found]
