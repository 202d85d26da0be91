"""Outcome and signal root fields: input to domain values, one resolver, the result mapped."""

from __future__ import annotations

from typing import Annotated

import strawberry

from hindsight.domain.errors import NotFound
from hindsight.resolvers import outcomes as resolvers
from hindsight.schema import args
from hindsight.schema import outcomes as gql
from hindsight.schema.connections import (
    AFTER,
    BEFORE,
    FIRST,
    LAST,
    Connection,
    OutcomeOrder,
    paged,
)
from hindsight.schema.context import Info
from hindsight.schema.errors import NotFoundError
from hindsight.schema.viewer import ViewerType

FILTER = strawberry.argument(description="Only outcomes matching every given field.")
ORDER = strawberry.argument(description="Sort key and direction; default CREATED_AT DESC.")


@strawberry.type
class OutcomeQuery:
    @strawberry.field(description="Who the bearer token says you are.")
    async def viewer(self, info: Info) -> ViewerType:
        return ViewerType.from_domain(await resolvers.viewer(info.context))

    @strawberry.field(description="One outcome; NOT_FOUND when it is not yours to see.")
    async def outcome(
        self, info: Info, id: Annotated[strawberry.ID, args.ID]
    ) -> gql.Outcome | None:
        return gql.Outcome.from_row(await resolvers.outcome(info.context, str(id)))

    @strawberry.field(
        description="Outcomes you may see, newest first unless `orderBy` says otherwise, as a "
        "Relay cursor connection: `first`/`after` page forward, `last`/`before` back "
        "(at most `max_page_size`, default 500, per page). AGENT and read-all roles: the "
        "tenant; MANAGER: their team; REP: their own."
    )
    async def outcomes(
        self,
        info: Info,
        filter: Annotated[gql.OutcomeFilter | None, FILTER] = None,
        first: Annotated[int | None, FIRST] = strawberry.UNSET,
        after: Annotated[str | None, AFTER] = None,
        last: Annotated[int | None, LAST] = strawberry.UNSET,
        before: Annotated[str | None, BEFORE] = None,
        order_by: Annotated[OutcomeOrder | None, ORDER] = None,
    ) -> Connection[gql.Outcome] | None:
        window = paged(first, after, last, before)
        flt = (filter or gql.OutcomeFilter()).to_domain()
        sort = order_by.to_domain() if order_by else None
        page, count = await resolvers.outcome_page(info.context, flt, window, sort)
        return Connection.from_page(page, gql.Outcome.from_row, count)


@strawberry.type
class OutcomeMutation:
    @strawberry.mutation(description="Record an agent action and its confidence.")
    async def record_outcome(
        self, info: Info, input: Annotated[gql.RecordOutcomeInput, args.INPUT]
    ) -> gql.RecordOutcomeResult:
        return gql.outcome_result(await resolvers.record_outcome(info.context, input.to_domain()))

    @strawberry.mutation(description="Resolve a pending outcome explicitly.")
    async def resolve_outcome(
        self, info: Info, input: Annotated[gql.ResolveOutcomeInput, args.INPUT]
    ) -> gql.ResolveOutcomeResult:
        result = await resolvers.resolve_outcome(
            info.context, str(input.outcome_id), input.status, input.reason
        )
        if isinstance(result, NotFound):
            return NotFoundError.of(result)
        return gql.outcome_result(result)

    @strawberry.mutation(
        description="Record a CRM or conversation signal; returns what it resolved."
    )
    async def record_signal(
        self, info: Info, input: Annotated[gql.RecordSignalInput, args.INPUT]
    ) -> gql.RecordSignalResult:
        return gql.signal_result(await resolvers.record_signal(info.context, input.to_domain()))

    @strawberry.mutation(
        description="Up to 500 outcomes; one result per input, in order; valid items commit "
        "together."
    )
    async def record_outcomes(
        self, info: Info, inputs: Annotated[list[gql.RecordOutcomeInput], args.INPUTS]
    ) -> list[gql.RecordOutcomeResult]:
        news = [i.to_domain() for i in inputs]
        return [gql.outcome_result(r) for r in await resolvers.record_outcomes(info.context, news)]

    @strawberry.mutation(description="Up to 500 signals; one result per input, in order.")
    async def record_signals(
        self, info: Info, inputs: Annotated[list[gql.RecordSignalInput], args.INPUTS]
    ) -> list[gql.RecordSignalResult]:
        news = [i.to_domain() for i in inputs]
        return [gql.signal_result(r) for r in await resolvers.record_signals(info.context, news)]

    @strawberry.mutation(description="ADMIN: run every detection and window-end job now.")
    async def run_detection(self, info: Info) -> gql.DetectionReport:
        return gql.DetectionReport.from_domain(await resolvers.run_detection(info.context))
