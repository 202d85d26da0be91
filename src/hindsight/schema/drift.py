"""Drift types: alerts, their windows, the monitors now, runDriftDetection's
report and the filter. Their root fields: ``api/drift.py``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from hindsight.db import models
from hindsight.domain.drift import alerts
from hindsight.domain.enums import DriftDirection, DriftKind
from hindsight.schema import enums, formulas
from hindsight.schema.errors import NotFoundError
from hindsight.schema.node import Node, global_id

enums.described(
    DriftKind,
    "Which drift monitor raised an alert.",
    {
        "CALIBRATION": "The calibrated confidence stopped matching outcomes. "
        + formulas.DRIFT_CALIBRATION,
        "SUCCESS_RATE": "The success rate moved. " + formulas.DRIFT_SUCCESS_RATE,
    },
)
enums.described(
    DriftDirection,
    "Which way an action type drifted.",
    {
        "OVERCONFIDENT": "CALIBRATION: outcomes are worse than the calibrated confidence says.",
        "UNDERCONFIDENT": "CALIBRATION: outcomes are better than the calibrated confidence says.",
        "UP": "SUCCESS_RATE: the kept window's rate is above the dropped one's.",
        "DOWN": "SUCCESS_RATE: the kept window's rate is below the dropped one's.",
    },
)


@strawberry.type(description="A stretch of resolutions: its POSITIVE share and how many.")
class RateWindow:
    rate: float = strawberry.field(description="POSITIVE / (POSITIVE + NEGATIVE) in the window.")
    count: int = strawberry.field(description="Resolutions in the window.")


def _window(rate: float | None, count: int | None) -> RateWindow | None:
    return None if rate is None or count is None else RateWindow(rate=rate, count=count)


@strawberry.type(
    description="A drift one monitor found in an action type. A monitor that "
    "alerts pauses until the alert is acknowledged (CALIBRATION: or the multiplier changes), "
    "so one drift raises one alert. AGENT, MANAGER, EXECUTIVE, ANALYST and ADMIN read them."
)
class DriftAlert(Node):
    action_type: str = strawberry.field(description="The action type that drifted.")
    kind: DriftKind = strawberry.field(description="The monitor that found it.")
    direction: DriftDirection = strawberry.field(description="Which way it drifted.")
    summary: str = strawberry.field(
        description="The alert in one sentence, e.g. `propose_meeting: success rate 52% → 31% "
        "over the last 120 resolutions` (SUCCESS_RATE: before.rate → after.rate over "
        "before.count + after.count) or `advance_deal: outcomes worse than the calibrated "
        "confidence says, e-value 143 ≥ 100`."
    )
    detected_at: dt.datetime = strawberry.field(
        description="The resolvedAt of the resolution at which it fired (data time)."
    )
    raised_at: dt.datetime = strawberry.field(description="When the server noticed (UTC).")
    sample_size: int = strawberry.field(
        description="Resolutions since the monitor's start, the one that fired included."
    )
    e_value: float | None = strawberry.field(
        description="CALIBRATION: E at the resolution that fired. " + formulas.DRIFT_CALIBRATION
    )
    threshold: float | None = strawberry.field(description="CALIBRATION: 1/α (100 by default).")
    expected_rate: float | None = strawberry.field(
        description="CALIBRATION: mean calibratedConfidence over the sampleSize resolutions."
    )
    observed_rate: float | None = strawberry.field(
        description="CALIBRATION: POSITIVE share of the sampleSize resolutions."
    )
    before: RateWindow | None = strawberry.field(
        description="SUCCESS_RATE: the older sub-window ADWIN dropped. "
        + formulas.DRIFT_SUCCESS_RATE
    )
    after: RateWindow | None = strawberry.field(
        description="SUCCESS_RATE: the window ADWIN kept (the newest resolutions)."
    )
    acknowledged_at: dt.datetime | None = strawberry.field(
        description="When someone acknowledged it; null while open."
    )
    acknowledged_by: str | None = strawberry.field(
        description="Who acknowledged it (their token's sub); null while open."
    )
    event_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="On the driftAlerts subscription only: the event's id (deduplicate on "
        "it); null elsewhere.",
    )
    cursor: str | None = strawberry.field(
        default=None,
        description="On the driftAlerts subscription only: pass it as `after` to resume after "
        "this event (opaque); null elsewhere.",
    )

    @classmethod
    def from_event(cls, row: models.DriftAlert, event_id: str, cursor: str) -> DriftAlert:
        """The alert as the driftAlerts subscription delivers it: with its event's id and
        cursor."""
        alert = cls.from_row(row)
        alert.event_id, alert.cursor = strawberry.ID(event_id), cursor
        return alert

    @classmethod
    def from_row(cls, row: models.DriftAlert) -> DriftAlert:
        return cls(
            id=global_id("DriftAlert", str(row.id)),
            action_type=row.action_type,
            kind=DriftKind(row.kind),
            direction=DriftDirection(row.direction),
            summary=alerts.describe(row),
            detected_at=row.detected_at,
            raised_at=row.raised_at,
            sample_size=row.sample_size,
            e_value=row.e_value,
            threshold=row.threshold,
            expected_rate=row.expected_rate,
            observed_rate=row.observed_rate,
            before=_window(row.before_rate, row.before_count),
            after=_window(row.after_rate, row.after_count),
            acknowledged_at=row.acknowledged_at,
            acknowledged_by=row.acknowledged_by,
        )


@strawberry.type(description="One drift monitor of one action type, as it stands now.")
class DriftMonitor:
    action_type: str = strawberry.field(description="The action type it watches.")
    kind: DriftKind = strawberry.field(description="Which monitor.")
    sample_size: int = strawberry.field(
        description="Resolutions fed since its start (its last restart)."
    )
    paused: bool = strawberry.field(
        description="It alerted and waits for acknowledgeDriftAlert (CALIBRATION: or a "
        "multiplier change) before it starts again from the next resolution."
    )
    e_value: float | None = strawberry.field(
        description="CALIBRATION: E over the resolutions since its start (1 at the start)."
    )
    threshold: float | None = strawberry.field(description="CALIBRATION: 1/α.")
    width: int | None = strawberry.field(
        description="SUCCESS_RATE: the number of resolutions in ADWIN's window."
    )
    estimate: float | None = strawberry.field(
        description="SUCCESS_RATE: ADWIN's success rate over its window; null when empty."
    )

    @classmethod
    def from_domain(cls, view: alerts.MonitorView) -> DriftMonitor:
        return cls(
            action_type=view.action_type,
            kind=view.kind,
            sample_size=view.sample_size,
            paused=view.paused_by is not None,
            e_value=view.e_value,
            threshold=view.threshold,
            width=view.width,
            estimate=view.estimate,
        )


@strawberry.type(description="What runDriftDetection did for your tenant.")
class DriftReport:
    fed: int = strawberry.field(description="Resolutions fed to the monitors by this run.")
    action_types: int = strawberry.field(description="Action types that had resolutions to feed.")
    alerts: list[DriftAlert] = strawberry.field(description="Alerts this run raised.")


@strawberry.input(description="Only alerts matching every given field.")
class DriftAlertFilter:
    action_types: list[str] | None = strawberry.field(
        default=None, description="Any of these action types."
    )
    kinds: list[DriftKind] | None = strawberry.field(default=None, description="Any of these.")
    acknowledged: bool | None = strawberry.field(
        default=None, description="true: acknowledged ones; false: open ones; null: both."
    )

    def to_domain(self) -> alerts.AlertFilter:
        return alerts.AlertFilter(
            action_types=list(self.action_types or []),
            kinds=list(self.kinds or []),
            acknowledged=self.acknowledged,
        )


AcknowledgeDriftAlertResult = Annotated[
    DriftAlert | NotFoundError,
    strawberry.union(
        "AcknowledgeDriftAlertResult",
        description="The acknowledged alert, or NotFoundError when the id names no alert you "
        "may see.",
    ),
]
