"""Relay cursor connections (``edges``, ``nodes``, ``pageInfo``, ``totalCount``) and sorting.

Specialised per node type: ``Connection[Outcome]`` is ``OutcomeConnection`` in the schema.
``totalCount`` is a resolver of its own, so the COUNT runs only when a client asks for it.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import strawberry

from hindsight.domain.outcomes import listing
from hindsight.domain.paging import Order, Page, Window

N = TypeVar("N")
FIRST = strawberry.argument(
    description="Page forward: this many items (1 to max_page_size). Left out or null: 50, "
    "unless `last` or `before` pages back."
)
AFTER = strawberry.argument(description="Page forward from this cursor (an `endCursor`).")
LAST = strawberry.argument(
    description="Page back: this many items before `before` (1 to max_page_size). Left out "
    "or null while paging back (`before` given): 50."
)
BEFORE = strawberry.argument(description="Page back from this cursor (a `startCursor`).")
R = TypeVar("R")


def paged(first: int | None, after: str | None, last: int | None, before: str | None) -> Window:
    """Relay's arguments as the domain's ``Window``. ``first``/``last`` default to UNSET, so
    the SDL shows no default (the size depends on the direction); left out means null."""
    first, last = (None if n is strawberry.UNSET else n for n in (first, last))
    return Window(first=first, after=after, last=last, before=before)


@strawberry.type(description="Where a page sits in its list (Relay cursor connections spec).")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="More items follow the last edge (paging forward: exact)."
    )
    has_previous_page: bool = strawberry.field(
        description="More items precede the first edge (paging backward: exact; forward: "
        "true when `after` was given)."
    )
    start_cursor: str | None = strawberry.field(
        description="The first edge's cursor, for `before`; null on an empty page."
    )
    end_cursor: str | None = strawberry.field(
        description="The last edge's cursor, for `after`; null on an empty page."
    )


@strawberry.type(description="One item of a list with the cursor that points at it.")
class Edge(Generic[N]):
    make_cursor: strawberry.Private[Callable[[], str]]

    @strawberry.field(description="Opaque; pass as `after` or `before`.")
    def cursor(self) -> str:
        return self.make_cursor()

    node: N = strawberry.field(description="The item.")


@strawberry.type(
    description="One page of a list: `edges` with cursors (use with a Relay-style cache "
    "policy such as Apollo's `relayStylePagination`), the same items as `nodes`, and "
    "`totalCount`."
)
class Connection(Generic[N]):
    edges: list[Edge[N]] = strawberry.field(description="The page's items, in list order.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more pages exist.")
    counter: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="The page's items without cursors (same order as `edges`).")
    def nodes(self) -> list[N]:
        return [edge.node for edge in self.edges]

    @strawberry.field(
        description="How many items the whole list holds under this filter (every page); "
        "costs one COUNT query, run only when asked."
    )
    async def total_count(self) -> int:
        return await self.counter()

    @classmethod
    def from_page(
        cls, page: Page[R], node: Callable[[R], N], counter: Callable[[], Awaitable[int]]
    ) -> Connection[N]:
        edges = [
            Edge(node=node(item), make_cursor=functools.partial(page.cursor, index))
            for index, item in enumerate(page.items)
        ]
        last = len(page.items) - 1
        info = PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=page.cursor(0) if page.items else None,
            end_cursor=page.cursor(last) if page.items else None,
        )
        return cls(edges=edges, page_info=info, counter=counter)


@strawberry.enum(description="Sort direction.")
class OrderDirection(enum.Enum):
    ASC = strawberry.enum_value("ASC", description="Smallest (or oldest) first.")
    DESC = strawberry.enum_value("DESC", description="Largest (or newest) first.")


@strawberry.enum(description="What a list of outcomes can be sorted by (ties: by id).")
class OutcomeOrderField(enum.Enum):
    CREATED_AT = strawberry.enum_value("CREATED_AT", description="When the agent acted.")
    RECORDED_AT = strawberry.enum_value("RECORDED_AT", description="When it was recorded.")
    WINDOW_ENDS_AT = strawberry.enum_value(
        "WINDOW_ENDS_AT", description="When its resolution window closes."
    )
    PREDICTED_CONFIDENCE = strawberry.enum_value(
        "PREDICTED_CONFIDENCE", description="The agent's stated confidence."
    )


@strawberry.input(description="How to sort outcomes; default: newest first.")
class OutcomeOrder:
    field: OutcomeOrderField = strawberry.field(
        default=OutcomeOrderField.CREATED_AT, description="The sort key."
    )
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.DESC, description="The direction."
    )

    def to_domain(self) -> Order:
        return listing.order(self.field.name, descending=self.direction == OrderDirection.DESC)
