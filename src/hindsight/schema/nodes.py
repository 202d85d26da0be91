"""``node`` and ``nodes`` on the Query root: refetch any object with identity by its id."""

from __future__ import annotations

from typing import Annotated

import strawberry

from hindsight.resolvers import nodes as resolvers
from hindsight.schema.context import Info
from hindsight.schema.node import Node


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
        return await resolvers.node(info.context, str(id))

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
        return found  # type: ignore[return-value]  # graphql-core awaits each item itself
