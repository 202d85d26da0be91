"""Drift fields of the Query and Mutation roots: alerts, the monitors now,
acknowledging an alert and ``runDriftDetection``; each asks one resolver and maps its
domain value onto ``schema/drift.py``'s types."""

from __future__ import annotations

from typing import Annotated

import strawberry

from hindsight.domain.errors import NotFound
from hindsight.domain.paging import Window
from hindsight.resolvers import drift as resolvers
from hindsight.schema.connections import AFTER, BEFORE, FIRST, LAST, Connection
from hindsight.schema.context import Info
from hindsight.schema.drift import (
    AcknowledgeDriftAlertResult,
    DriftAlert,
    DriftAlertFilter,
    DriftMonitor,
    DriftReport,
)
from hindsight.schema.errors import NotFoundError

FILTER = strawberry.argument(description="Only alerts matching every given field.")
ACTION_TYPES = strawberry.argument(description="Only these action types; default all fed so far.")
ALERT_ID = strawberry.argument(description="The alert's id.")


@strawberry.type
class DriftQuery:
    @strawberry.field(
        description="Drift alerts of your tenant, newest raised first, as a Relay cursor "
        "connection (AGENT, MANAGER, EXECUTIVE, ANALYST, ADMIN; REP: none)."
    )
    async def drift_alerts(
        self,
        info: Info,
        filter: Annotated[DriftAlertFilter | None, FILTER] = None,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
        last: Annotated[int | None, LAST] = None,
        before: Annotated[str | None, BEFORE] = None,
    ) -> Connection[DriftAlert]:
        window = Window(first=first, after=after, last=last, before=before)
        asked = (filter or DriftAlertFilter()).to_domain()
        page, count = await resolvers.drift_alerts(info.context, asked, window)
        return Connection.from_page(page, DriftAlert.from_row, count)

    @strawberry.field(
        description="Both drift monitors (CALIBRATION, SUCCESS_RATE) of each action type, now: "
        "samples since their start, E and 1/α, ADWIN's window width and estimate."
    )
    async def drift_monitors(
        self, info: Info, action_types: Annotated[list[str] | None, ACTION_TYPES] = None
    ) -> list[DriftMonitor]:
        views = await resolvers.drift_monitors(info.context, action_types)
        return [DriftMonitor.from_domain(v) for v in views]


@strawberry.type
class DriftMutation:
    @strawberry.mutation(
        description="MANAGER, ADMIN: mark a drift alert seen; its monitor (if this alert "
        "paused it) starts again from the next resolution. Acknowledging twice changes nothing."
    )
    async def acknowledge_drift_alert(
        self, info: Info, id: Annotated[strawberry.ID, ALERT_ID]
    ) -> AcknowledgeDriftAlertResult:
        result = await resolvers.acknowledge_drift_alert(info.context, str(id))
        if isinstance(result, NotFound):
            return NotFoundError.of(result)
        return DriftAlert.from_row(result)

    @strawberry.mutation(
        description="ADMIN: feed your tenant's unseen resolutions to its drift monitors now "
        "(the scheduled `drift` job does it every drift_interval_seconds, 60 by default)."
    )
    async def run_drift_detection(self, info: Info) -> DriftReport:
        report = await resolvers.run_drift_detection(info.context)
        return DriftReport(
            fed=report.fed,
            action_types=report.action_types,
            alerts=[DriftAlert.from_row(a) for a in report.alerts],
        )
