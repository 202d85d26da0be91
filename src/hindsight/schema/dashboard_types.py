"""Dashboard output types (DESIGN.md §7, §9), mapped from the domain reports."""

from __future__ import annotations

import datetime as dt

import strawberry

from hindsight.domain import analytics, dashboards
from hindsight.domain.enums import FeedbackSource
from hindsight.schema import enums, formulas
from hindsight.schema.feedback_types import RatingCount
from hindsight.schema.pattern import CoachingPattern


@strawberry.type
class QualitySummary:
    count: int
    mean_score: float | None
    distribution: list[RatingCount]


@strawberry.type(description=formulas.METRIC_BLOCK)
class MetricBlock:
    actions: int
    pending: int
    positive: int
    negative: int
    ambiguous: int
    expired: int
    success_rate: float | None
    engagement_score: float | None
    qualification_completion_rate: float | None
    deal_progression_rate: float | None
    escalation_rate: float | None
    response_quality: QualitySummary

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


@strawberry.type
class TrendPoint:
    day: dt.date
    metrics: MetricBlock


def _trend(points: list[analytics.TrendPoint]) -> list[TrendPoint]:
    return [TrendPoint(day=p.day, metrics=MetricBlock.from_domain(p.metrics)) for p in points]


@strawberry.type(description=formulas.PERIOD)
class RepDashboard:
    rep_id: str
    from_: dt.datetime = strawberry.field(name="from")
    to: dt.datetime
    metrics: MetricBlock
    previous: MetricBlock
    trend: list[TrendPoint]

    @classmethod
    def from_domain(cls, rep_id: str, o: dashboards.Overview) -> RepDashboard:
        return cls(
            rep_id=rep_id,
            from_=o.start,
            to=o.end,
            metrics=MetricBlock.from_domain(o.metrics),
            previous=MetricBlock.from_domain(o.previous),
            trend=_trend(o.trend),
        )


@strawberry.type(description=formulas.REP_ROW)
class RepRow:
    rep_id: str
    display_name: str | None
    metrics: MetricBlock


@strawberry.type(description=formulas.PERIOD)
class ManagerDashboard:
    team_id: str
    from_: dt.datetime = strawberry.field(name="from")
    to: dt.datetime
    metrics: MetricBlock
    previous: MetricBlock
    trend: list[TrendPoint]
    reps: list[RepRow]
    coaching_opportunities: list[CoachingPattern] = strawberry.field(
        description=formulas.COACHING_OPPORTUNITIES
    )

    @classmethod
    def from_domain(cls, team_id: str, r: dashboards.ManagerReport) -> ManagerDashboard:
        o = r.overview
        return cls(
            team_id=team_id,
            from_=o.start,
            to=o.end,
            metrics=MetricBlock.from_domain(o.metrics),
            previous=MetricBlock.from_domain(o.previous),
            trend=_trend(o.trend),
            reps=[
                RepRow(
                    rep_id=x.rep_id,
                    display_name=x.display_name,
                    metrics=MetricBlock.from_domain(x.metrics),
                )
                for x in r.reps
            ],
            coaching_opportunities=[CoachingPattern.from_domain(p) for p in r.coaching],
        )


@strawberry.type
class CalibrationHealth:
    action_type: str
    brier_score: float | None
    ece: float | None
    sample_count: int
    multiplier: float


@strawberry.type(description=formulas.PERIOD)
class ExecutiveSummary:
    from_: dt.datetime = strawberry.field(name="from")
    to: dt.datetime
    metrics: MetricBlock
    previous: MetricBlock
    trend: list[TrendPoint]
    automation_rate: float | None = strawberry.field(description=formulas.AUTOMATION)
    hours_saved: float = strawberry.field(description=formulas.HOURS_SAVED)
    calibration: list[CalibrationHealth] = strawberry.field(
        description=formulas.EXECUTIVE_CALIBRATION
    )

    @classmethod
    def from_domain(cls, r: dashboards.ExecutiveReport) -> ExecutiveSummary:
        o = r.overview
        return cls(
            from_=o.start,
            to=o.end,
            metrics=MetricBlock.from_domain(o.metrics),
            previous=MetricBlock.from_domain(o.previous),
            trend=_trend(o.trend),
            automation_rate=r.automation_rate,
            hours_saved=r.hours_saved,
            calibration=[CalibrationHealth(**vars(c)) for c in r.calibration],
        )


@strawberry.type
class TeamMember:
    user_id: str
    team_id: str
    role: enums.Role
    display_name: str | None


@strawberry.input
class TeamMemberInput:
    user_id: str
    team_id: str
    role: enums.Role
    display_name: str | None = None
