"""The Subscription root (docs/reference/api.md, docs/reference/live-over-http.md), served on
/graphql over graphql-transport-ws and over HTTP (multipart, graphql-sse: ``http_subscriptions``).

Delivery is at-most-once (Redis pub/sub): every event carries an ``id`` and
``dashboardUpdates`` starts with the current snapshot, so a client that reconnects is whole.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from hindsight.resolvers import subscriptions as resolvers
from hindsight.schema import enums
from hindsight.schema.calibration import CalibrationCurve
from hindsight.schema.context import Info
from hindsight.schema.dashboards import DashboardUpdate, dashboard_update
from hindsight.schema.drift import DriftAlert
from hindsight.schema.feedback import FeedbackEntry
from hindsight.schema.period import PeriodInput
from hindsight.schema.subscriptions import DashboardScopeInput, OutcomeEvent


@strawberry.type(
    description="Live updates on /graphql: over graphql-transport-ws (token in "
    "connection_init), or over HTTP with the bearer header, as Apollo's multipart protocol "
    '(Accept: multipart/mixed;subscriptionSpec="1.0") or graphql-sse (Accept: '
    "text/event-stream). Delivery is at most once: events carry ids, and dashboardUpdates "
    "starts with the current dashboard, so a client that reconnects is whole again."
)
class Subscription:
    @strawberry.subscription(description="Outcomes recorded or resolved that you may read.")
    async def outcome_events(
        self,
        info: Info,
        kinds: Annotated[
            list[enums.OutcomeEventKind] | None,
            strawberry.argument(description="Only these kinds; default both."),
        ] = None,
    ) -> AsyncGenerator[OutcomeEvent, None]:
        async for change in resolvers.outcome_events(info.context, kinds):
            yield OutcomeEvent.from_change(change)

    @strawberry.subscription(description="Feedback given or changed that you may read.")
    async def feedback_events(self, info: Info) -> AsyncGenerator[FeedbackEntry, None]:
        async for row in resolvers.feedback_events(info.context):
            yield FeedbackEntry.from_row(row)

    @strawberry.subscription(
        description="A calibration curve whenever it changes: a POSITIVE/NEGATIVE resolution "
        "(live or imported), a multiplier adjustment or a repaired drift; at most one per "
        "second per action type (a burst is folded into its newest curve, never dropped). "
        "The same object as calibrationCurve (MANAGER, EXECUTIVE, ANALYST, ADMIN)."
    )
    async def calibration_updates(
        self,
        info: Info,
        action_type: Annotated[
            str | None,
            strawberry.argument(description="Only this action type; default all."),
        ] = None,
    ) -> AsyncGenerator[CalibrationCurve, None]:
        async for report in resolvers.calibration_updates(info.context, action_type):
            yield CalibrationCurve.from_domain(report)

    @strawberry.subscription(
        description="Each drift alert of your tenant when a monitor raises it, and again "
        "when it is acknowledged (acknowledgedAt set): the same object as driftAlerts lists "
        "(AGENT, MANAGER, EXECUTIVE, ANALYST, ADMIN)."
    )
    async def drift_alerts(self, info: Info) -> AsyncGenerator[DriftAlert, None]:
        async for row in resolvers.drift_alerts(info.context):
            yield DriftAlert.from_row(row)

    @strawberry.subscription(
        description="The scope's dashboard for `period` (default: the 30 UTC days ending today) "
        "now, then whenever its numbers change (at most once a second): the same object, "
        "with the same id, as repDashboard/managerDashboard/executiveSummary return."
    )
    async def dashboard_updates(
        self,
        info: Info,
        scope: Annotated[
            DashboardScopeInput,
            strawberry.argument(description="Whose dashboard; the dashboard queries' rights."),
        ],
        period: Annotated[
            PeriodInput | None,
            strawberry.argument(
                description="The same period the dashboard query was given (same days and "
                "time zone, so the same id); default: the 30 days ending today, rolling."
            ),
        ] = None,
    ) -> AsyncGenerator[DashboardUpdate, None]:
        rep_id = None if scope.rep_id is strawberry.UNSET else scope.rep_id
        team_id = None if scope.team_id is strawberry.UNSET else scope.team_id
        executive = None if scope.executive is strawberry.UNSET else scope.executive
        snapshots = resolvers.dashboard_updates(info.context, rep_id, team_id, executive, period)
        async for snapshot in snapshots:
            yield snapshot.shaped(dashboard_update)
