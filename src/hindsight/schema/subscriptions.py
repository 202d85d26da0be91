"""Types of the Subscription root (``api/subscriptions.py``): the outcome event and the
dashboard scope a ``dashboardUpdates`` subscriber names."""

from __future__ import annotations

import strawberry

from hindsight.domain.events import OutcomeChange
from hindsight.schema import enums
from hindsight.schema.deprecations import going
from hindsight.schema.outcomes import Outcome


@strawberry.type(description="An outcome was recorded or resolved.")
class OutcomeEvent:
    event_id: strawberry.ID = strawberry.field(
        description="The event's id (deduplicate on it). Not a Node id: `outcome.id` is."
    )
    id: strawberry.ID = strawberry.field(
        description="The event's id, as eventId.",
        deprecation_reason=going("Use eventId: `id` names a Node, and an event is not one."),
    )
    kind: enums.OutcomeEventKind = strawberry.field(description="What happened.")
    status: enums.OutcomeStatus = strawberry.field(
        description="The status the event left; `outcome` shows the current state."
    )
    outcome: Outcome = strawberry.field(
        description="The outcome itself, as `outcome(id:)` shows it now (a cache merges it)."
    )
    cursor: str = strawberry.field(
        description="Where this event stands in your tenant's order (opaque): pass it as "
        "`outcomeEvents(after:)` after a reconnect to receive every later event."
    )

    @classmethod
    def from_change(cls, c: OutcomeChange, cursor: str) -> OutcomeEvent:
        outcome = Outcome.from_row(c.outcome)
        event_id = strawberry.ID(c.id)
        return cls(
            event_id=event_id,
            id=event_id,
            kind=c.kind,
            status=c.status,
            outcome=outcome,
            cursor=cursor,
        )


@strawberry.input(one_of=True, description="Exactly one: a rep, a team, or `executive: true`.")
class DashboardScopeInput:
    rep_id: str | None = strawberry.field(
        default=strawberry.UNSET, description="A rep's RepDashboard."
    )
    team_id: str | None = strawberry.field(
        default=strawberry.UNSET, description="A team's ManagerDashboard."
    )
    executive: bool | None = strawberry.field(
        default=strawberry.UNSET, description="`true`: the tenant's ExecutiveSummary."
    )
