"""Dashboard output types (docs/concepts/dashboards.md), mapped from the domain reports."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from hindsight.domain.analytics import dashboards
from hindsight.domain.analytics import measures as analytics
from hindsight.domain.analytics.metrics import BY_NAME
from hindsight.domain.directory import Member
from hindsight.domain.enums import FeedbackSource
from hindsight.schema import enums, formulas, list_sizes
from hindsight.schema.coaching import CoachingPattern
from hindsight.schema.deprecations import going
from hindsight.schema.feedback import RATING_BUCKETS, RatingCount
from hindsight.schema.node import Node, global_id


@strawberry.type(description="Feedback in aggregate.")
class QualitySummary:
    count: int = strawberry.field(description="Entries.")
    mean_score: float | None = strawberry.field(
        description="Their mean score (0..1); null without entries."
    )
    distribution: list[RatingCount] = strawberry.field(
        description="Count per (source, rating), every possible rating listed.",
        metadata=list_sizes.most(RATING_BUCKETS),
    )


def _metric(name: str) -> Any:
    """A field of ``MetricBlock`` described by its metric's declaration (``METRICS``)."""
    return strawberry.field(description=BY_NAME[name].description)


@strawberry.type(description=formulas.METRIC_BLOCK)
class MetricBlock:
    """One typed field per entry of ``METRICS``, in its order (tests/test_schema_metrics.py),
    then response quality."""

    actions: int = _metric("actions")
    pending: int = _metric("pending")
    positive: int = _metric("positive")
    negative: int = _metric("negative")
    ambiguous: int = _metric("ambiguous")
    expired: int = _metric("expired")
    success_rate: float | None = _metric("success_rate")
    engagement_score: float | None = _metric("engagement_score")
    qualification_completion_rate: float | None = _metric("qualification_completion_rate")
    deal_progression_rate: float | None = _metric("deal_progression_rate")
    escalation_rate: float | None = _metric("escalation_rate")
    response_quality: QualitySummary = strawberry.field(
        description="Feedback given in the period on the scope's outcomes."
    )

    @classmethod
    def from_domain(cls, m: analytics.Metrics) -> MetricBlock:
        q = m.response_quality
        distribution = [
            RatingCount(source=FeedbackSource(r.source), rating=r.rating, count=r.count)
            for r in q.distribution
        ]
        values = {k: v for k, v in vars(m).items() if k != "response_quality"}
        return cls(
            **values,
            response_quality=QualitySummary(
                count=q.count, mean_score=q.mean_score, distribution=distribution
            ),
        )


@strawberry.type(description="One day of a dashboard.")
class TrendPoint:
    day: dt.date = strawberry.field(description="The calendar day (in the period's time zone).")
    metrics: MetricBlock = strawberry.field(description="That day's numbers.")


def _trend(points: list[analytics.TrendPoint]) -> list[TrendPoint]:
    return [TrendPoint(day=p.day, metrics=MetricBlock.from_domain(p.metrics)) for p in points]


@strawberry.type(description="Who a dashboard is about: one rep, one team, or the tenant.")
class DashboardScope:
    rep_id: str | None = strawberry.field(description="The rep of a RepDashboard.")
    team_id: str | None = strawberry.field(description="The team of a ManagerDashboard.")
    executive: bool = strawberry.field(description="True for the ExecutiveSummary.")


def dashboard_id(
    type_name: str, frame: dashboards.Frame, subject: str, o: dashboards.Overview
) -> strawberry.ID:
    """Per tenant, scope and period (first and last day, time zone): the query and
    ``dashboardUpdates`` name the same dashboard with the same id."""
    days = frame.days(o)
    dates = (days.first.isoformat(), days.last.isoformat(), days.zone)
    return global_id(type_name, str(frame.tenant_id), subject, *dates)


@strawberry.interface(
    description="A dashboard: RepDashboard, ManagerDashboard or ExecutiveSummary. "
    "`dashboardUpdates` yields the very object (same type and id) the matching query "
    "returns, so a normalized cache updates the query's data in place."
)
class DashboardUpdate(Node):
    from_: dt.datetime = strawberry.field(
        name="from",
        description="The midnight (in timeZone, given in UTC) starting the period.",
    )
    to: dt.datetime = strawberry.field(
        description="Exclusive end: the midnight (in timeZone, given in UTC) after its last day."
    )
    time_zone: str = strawberry.field(description="The IANA time zone of the period's days.")
    metrics: MetricBlock = strawberry.field(description="The period's numbers.")
    previous: MetricBlock = strawberry.field(
        description="The same numbers for the period of equal length just before "
        "(previousFrom to previousTo)."
    )
    previous_from: dt.datetime = strawberry.field(
        description="Where the previous period starts (a midnight in timeZone, in UTC)."
    )
    previous_to: dt.datetime = strawberry.field(
        description="Where the previous period ends, exclusive: this period's `from`."
    )
    trend: list[TrendPoint] = strawberry.field(
        description="One point per day, oldest first.", metadata=list_sizes.most(list_sizes.PER_DAY)
    )
    generated_at: dt.datetime = strawberry.field(
        description="When the server produced this answer (a query may read numbers "
        "cached up to `cache_ttl_seconds` earlier; writes invalidate the cache)."
    )

    @strawberry.field(description="Who the dashboard is about.")
    def scope(self) -> DashboardScope:
        return DashboardScope(
            rep_id=getattr(self, "rep_id", None),
            team_id=getattr(self, "team_id", None),
            executive=isinstance(self, ExecutiveSummary),
        )

    @strawberry.field(
        description="This dashboard if it is a RepDashboard, else null.",
        deprecation_reason=going("The update is the dashboard itself; use `... on RepDashboard`."),
    )
    def rep(self) -> RepDashboard | None:
        return self if isinstance(self, RepDashboard) else None

    @strawberry.field(
        description="This dashboard if it is a ManagerDashboard, else null.",
        deprecation_reason=going(
            "The update is the dashboard itself; use `... on ManagerDashboard`."
        ),
    )
    def manager(self) -> ManagerDashboard | None:
        return self if isinstance(self, ManagerDashboard) else None

    @strawberry.field(
        description="This dashboard if it is an ExecutiveSummary, else null.",
        deprecation_reason=going(
            "The update is the dashboard itself; use `... on ExecutiveSummary`."
        ),
    )
    def executive(self) -> ExecutiveSummary | None:
        return self if isinstance(self, ExecutiveSummary) else None


def _frame(
    type_name: str, frame: dashboards.Frame, subject: str, o: dashboards.Overview
) -> dict[str, Any]:
    before = frame.days(o).previous()
    return {
        "id": dashboard_id(type_name, frame, subject, o),
        "from_": o.start,
        "to": o.end,
        "time_zone": frame.zone,
        "previous_from": before.start,
        "previous_to": before.stop,
        "metrics": MetricBlock.from_domain(o.metrics),
        "previous": MetricBlock.from_domain(o.previous),
        "trend": _trend(o.trend),
        "generated_at": frame.generated_at,
    }


@strawberry.type(
    description="One rep's numbers. REP: their own; MANAGER: their team's reps.\n\n"
    + formulas.PERIOD
)
class RepDashboard(DashboardUpdate):
    rep_id: str = strawberry.field(description="The rep (the `repId` outcomes carry).")

    @classmethod
    def from_domain(cls, d: dashboards.RepDashboard) -> RepDashboard:
        return cls(rep_id=d.rep_id, **_frame("RepDashboard", d.frame, d.rep_id, d.overview))


@strawberry.type(description=formulas.REP_ROW)
class RepRow:
    rep_id: str = strawberry.field(description="The rep.")
    display_name: str | None = strawberry.field(
        description="From the team directory (setTeamMember); null when not set."
    )
    metrics: MetricBlock = strawberry.field(description="The rep's numbers for the period.")


@strawberry.type(
    description="A team's numbers, per rep, with coaching. MANAGER: own team.\n\n" + formulas.PERIOD
)
class ManagerDashboard(DashboardUpdate):
    team_id: str = strawberry.field(description="The team.")
    reps: list[RepRow] = strawberry.field(description="One row per rep of the team.")
    coaching_opportunities: list[CoachingPattern] = strawberry.field(
        description=formulas.COACHING_OPPORTUNITIES
    )

    @classmethod
    def from_domain(cls, d: dashboards.ManagerDashboard) -> ManagerDashboard:
        r = d.report
        rows = [
            RepRow(
                rep_id=x.rep_id,
                display_name=x.display_name,
                metrics=MetricBlock.from_domain(x.metrics),
            )
            for x in r.reps
        ]
        return cls(
            team_id=d.team_id,
            reps=rows,
            coaching_opportunities=[CoachingPattern.from_domain(p) for p in r.coaching],
            **_frame("ManagerDashboard", d.frame, d.team_id, r.overview),
        )


@strawberry.type(description="Calibration health of one action type.")
class CalibrationHealth:
    action_type: str = strawberry.field(description="The action type.")
    brier_score: float | None = strawberry.field(
        description="Mean squared error of the stated confidence (0 best); null without data."
    )
    ece: float | None = strawberry.field(
        description="Expected calibration error over the ten bins; null without data."
    )
    sample_count: int = strawberry.field(description="Resolved (POSITIVE + NEGATIVE) outcomes.")
    multiplier: float = strawberry.field(description="The current confidence multiplier.")


@strawberry.type(
    description="The tenant's numbers, automation and calibration. EXECUTIVE, ANALYST, "
    "ADMIN.\n\n" + formulas.PERIOD
)
class ExecutiveSummary(DashboardUpdate):
    automation_rate: float | None = strawberry.field(description=formulas.AUTOMATION)
    hours_saved: float = strawberry.field(description=formulas.HOURS_SAVED)
    calibration: list[CalibrationHealth] = strawberry.field(
        description=formulas.EXECUTIVE_CALIBRATION
    )
    open_drift_alerts: int = strawberry.field(
        description="Drift alerts nobody has acknowledged yet (all time: it ignores the "
        "period); list them with driftAlerts(filter: {acknowledged: false})."
    )

    @classmethod
    def from_domain(cls, d: dashboards.ExecutiveSummary) -> ExecutiveSummary:
        r = d.report
        return cls(
            automation_rate=r.automation_rate,
            hours_saved=r.hours_saved,
            calibration=[CalibrationHealth(**vars(c)) for c in r.calibration],
            open_drift_alerts=r.open_drift_alerts,
            **_frame("ExecutiveSummary", d.frame, "", r.overview),
        )


def dashboard_update(d: dashboards.Dashboard) -> DashboardUpdate:
    """The type of a domain dashboard, whichever of the three it is."""
    if isinstance(d, dashboards.RepDashboard):
        return RepDashboard.from_domain(d)
    if isinstance(d, dashboards.ManagerDashboard):
        return ManagerDashboard.from_domain(d)
    return ExecutiveSummary.from_domain(d)


@strawberry.input(description="A directory entry to create or replace (ADMIN).")
class TeamMemberInput:
    user_id: str = strawberry.field(description="The user (for a rep: their repId).")
    team_id: str = strawberry.field(description="Their team.")
    role: enums.Role = strawberry.field(description="Their role.")
    display_name: str | None = strawberry.field(default=None, description="A name to show.")

    def to_domain(self) -> Member:
        return Member(self.user_id, self.team_id, self.role, self.display_name)
