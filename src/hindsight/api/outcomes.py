"""Outcome and signal root fields: input to domain values, one resolver, the result mapped."""

from __future__ import annotations

from typing import Annotated

import strawberry

from hindsight.domain.errors import NotFound
from hindsight.domain.paging import Window
from hindsight.resolvers import outcomes
from hindsight.schema import args, inputs, types
from hindsight.schema.connections import (
    AFTER,
    BEFORE,
    FIRST,
    LAST,
    Connection,
    OutcomeOrder,
)
from hindsight.schema.context import Info

FILTER = strawberry.argument(description="Only outcomes matching every given field.")
ORDER = strawberry.argument(description="Sort key and direction; default CREATED_AT DESC.")


@strawberry.type
class OutcomeQuery:
    @strawberry.field(description="Who the bearer token says you are.")
    async def viewer(self, info: Info) -> types.ViewerType:
        return types.ViewerType.from_domain(await outcomes.viewer(info.context))

    @strawberry.field(description="One outcome; NOT_FOUND when it is not yours to see.")
    async def outcome(
        self, info: Info, id: Annotated[strawberry.ID, args.ID]
    ) -> types.Outcome | None:
        return types.Outcome.from_row(await outcomes.outcome(info.context, str(id)))

    @strawberry.field(
        description="Outcomes you may see, newest first unless `orderBy` says otherwise, as a "
        "Relay cursor connection: `first`/`after` page forward, `last`/`before` back "
        "(at most `max_page_size`, default 500, per page). AGENT and read-all roles: the "
        "tenant; MANAGER: their team; REP: their own."
    )
    async def outcomes(
        self,
        info: Info,
        filter: Annotated[inputs.OutcomeFilter | None, FILTER] = None,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
        last: Annotated[int | None, LAST] = None,
        before: Annotated[str | None, BEFORE] = None,
        order_by: Annotated[OutcomeOrder | None, ORDER] = None,
    ) -> Connection[types.Outcome] | None:
        window = Window(first=first, after=after, last=last, before=before)
        flt = (filter or inputs.OutcomeFilter()).to_domain()
        sort = order_by.to_domain() if order_by else None
        page, count = await outcomes.outcome_page(info.context, flt, window, sort)
        return Connection.from_page(page, types.Outcome.from_row, count)


@strawberry.type
class OutcomeMutation:
    @strawberry.mutation(description="Record an agent action and its confidence.")
    async def record_outcome(
        self, info: Info, input: Annotated[inputs.RecordOutcomeInput, args.INPUT]
    ) -> types.RecordOutcomeResult:
        return types.outcome_result(await outcomes.record_outcome(info.context, input.to_domain()))

    @strawberry.mutation(description="Resolve a pending outcome explicitly.")
    async def resolve_outcome(
        self, info: Info, input: Annotated[inputs.ResolveOutcomeInput, args.INPUT]
    ) -> types.ResolveOutcomeResult:
        result = await outcomes.resolve_outcome(
            info.context, str(input.outcome_id), input.status, input.reason
        )
        if isinstance(result, NotFound):
            return types.NotFoundError.of(result)
        return types.outcome_result(result)

    @strawberry.mutation(
        description="Record a CRM or conversation signal; returns what it resolved."
    )
    async def record_signal(
        self, info: Info, input: Annotated[inputs.RecordSignalInput, args.INPUT]
    ) -> types.RecordSignalResult:
        return types.signal_result(await outcomes.record_signal(info.context, input.to_domain()))

    @strawberry.mutation(
        description="Up to 500 outcomes; one result per input, in order; valid items commit "
        "together."
    )
    async def record_outcomes(
        self, info: Info, inputs: Annotated[list[inputs.RecordOutcomeInput], args.INPUTS]
    ) -> list[types.RecordOutcomeResult]:
        news = [i.to_domain() for i in inputs]
        return [types.outcome_result(r) for r in await outcomes.record_outcomes(info.context, news)]

    @strawberry.mutation(description="Up to 500 signals; one result per input, in order.")
    async def record_signals(
        self, info: Info, inputs: Annotated[list[inputs.RecordSignalInput], args.INPUTS]
    ) -> list[types.RecordSignalResult]:
        news = [i.to_domain() for i in inputs]
        return [types.signal_result(r) for r in await outcomes.record_signals(info.context, news)]

    @strawberry.mutation(description="ADMIN: run every detection and window-end job now.")
    async def run_detection(self, info: Info) -> types.DetectionReport:
        return types.DetectionReport.from_domain(await outcomes.run_detection(info.context))
