"""``node`` and ``nodes`` on the Query root: refetch any object with identity by its id."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import strawberry

from hindsight.resolvers import nodes as resolvers
from hindsight.schema import calibration, dashboards, drift, feedback, outcomes, pickers
from hindsight.schema.context import Info
from hindsight.schema.node import Node

AS_NODE: dict[str, Callable[[Any], Node]] = {
    "Outcome": outcomes.Outcome.from_row,
    "FeedbackEntry": feedback.FeedbackEntry.from_row,
    "Signal": outcomes.Signal.from_row,
    "Team": pickers.Team.of,
    "TeamMember": pickers.TeamMember.of,
    "Rep": pickers.Rep.of,
    "ActionType": pickers.ActionType.of,
    "CalibrationCurve": calibration.CalibrationCurve.from_domain,
    "RepDashboard": dashboards.RepDashboard.from_domain,
    "ManagerDashboard": dashboards.ManagerDashboard.from_domain,
    "ExecutiveSummary": dashboards.ExecutiveSummary.from_domain,
    "DriftAlert": drift.DriftAlert.from_row,
}
"""Each type ``resolvers.nodes`` can find, and how its value becomes that GraphQL type."""


def as_node(found: resolvers.Found) -> Node:
    return AS_NODE[found.type_name](found.value)


async def _mapped(found: Awaitable[resolvers.Found]) -> Node:
    return as_node(await found)


@strawberry.type
class NodeQuery:
    @strawberry.field(
        description="The object with this id (any type implementing Node), as its own query "
        "would show it to you; null with NOT_FOUND when it does not exist or is not yours "
        "to see."
    )
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A Node's id.")],
    ) -> Node | None:
        return as_node(await resolvers.node(info.context, str(id)))

    @strawberry.field(
        description="The objects with these ids, in order (at most 100); each one missing or "
        "not yours to see is null with its own NOT_FOUND error."
    )
    async def nodes(
        self,
        info: Info,
        ids: Annotated[list[strawberry.ID], strawberry.argument(description="Node ids.")],
    ) -> list[Node | None]:
        found = await resolvers.nodes(info.context, [str(i) for i in ids])
        mapped = [asyncio.ensure_future(_mapped(f)) for f in found]  # side by side
        return mapped  # type: ignore[return-value]  # graphql-core awaits each item itself
