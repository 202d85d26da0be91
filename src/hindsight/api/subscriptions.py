"""The Subscription root (docs/reference/api.md, docs/reference/live-over-http.md,
docs/concepts/events.md), served on /graphql over graphql-transport-ws and over HTTP
(multipart, graphql-sse: ``http_subscriptions``).

``outcomeEvents`` and ``feedbackEvents`` come from the event outbox: at least once, in commit
order, resumable after a cursor. ``dashboardUpdates`` starts with the current snapshot and
``calibrationUpdates`` follows Redis (at most once), so a client that reconnects is whole.
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

AFTER = (
    "The `cursor` of the last event you received: replay every later one first (at most "
    "HINDSIGHT_EVENT_RETENTION old, default 7 days; an older cursor is a BAD_USER_INPUT "
    "error). Default: only events from now on."
)


@strawberry.type(
    description="Live updates on /graphql: over graphql-transport-ws (token in "
    "connection_init), or over HTTP with the bearer header, as Apollo's multipart protocol "
    '(Accept: multipart/mixed;subscriptionSpec="1.0") or graphql-sse (Accept: '
    "text/event-stream). outcomeEvents, feedbackEvents and driftAlerts deliver every "
    "committed event at least once, in commit order: deduplicate by event id, and resume "
    "with `after:` the last cursor you received. dashboardUpdates starts with the current "
    "dashboard, so a client that reconnects is whole again."
)
class Subscription:
    @strawberry.subscription(
        description="Outcomes recorded or resolved that you may read: with `after`, first "
        "every such event after that cursor (in commit order), then live."
    )
    async def outcome_events(
        self,
        info: Info,
        kinds: Annotated[
            list[enums.OutcomeEventKind] | None,
            strawberry.argument(description="Only these kinds; default both."),
        ] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> AsyncGenerator[OutcomeEvent, None]:
        async for change in resolvers.outcome_events(info.context, kinds, after):
            yield OutcomeEvent.from_change(change.item, str(change.cursor))

    @strawberry.subscription(
        description="Feedback given or changed that you may read: with `after`, first every "
        "such event after that cursor (in commit order), then live. Each entry carries its "
        "event's `eventId` and `cursor`."
    )
    async def feedback_events(
        self,
        info: Info,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> AsyncGenerator[FeedbackEntry, None]:
        async for event in resolvers.feedback_events(info.context, after):
            yield FeedbackEntry.from_event(event.item, event.event_id, str(event.cursor))

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
        "(AGENT, MANAGER, EXECUTIVE, ANALYST, ADMIN), with the event's `eventId` and "
        "`cursor`. With `after`, first every such event after that cursor, then live."
    )
    async def drift_alerts(
        self,
        info: Info,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> AsyncGenerator[DriftAlert, None]:
        async for event in resolvers.drift_alerts(info.context, after):
            yield DriftAlert.from_event(event.item, event.event_id, str(event.cursor))

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
