"""Rep, manager and executive dashboards (docs/concepts/dashboards.md): metric block, daily trend,
and the previous period of equal length, plus each role's extras."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db.models import FeedbackEntry, OutcomeRecord, OutcomeRollup, TeamMember
from hindsight.domain.analytics import local_days
from hindsight.domain.analytics.counts import Counts
from hindsight.domain.analytics.measures import (
    DashboardScope,
    Days,
    Metrics,
    TrendPoint,
    combine,
    daily_counts,
    feedback_in_scope,
    metrics,
    rollup_counts,
)
from hindsight.domain.analytics.patterns import Pattern
from hindsight.domain.calibration import statistics
from hindsight.domain.calibration.curves import read_curves
from hindsight.domain.drift import alerts as drift_alerts
from hindsight.domain.enums import OutcomeStatus, Role


@dataclass(frozen=True)
class Overview:
    start: dt.datetime
    end: dt.datetime
    metrics: Metrics
    previous: Metrics
    trend: list[TrendPoint]


@dataclass(frozen=True)
class RepRow:
    rep_id: str
    display_name: str | None
    metrics: Metrics


@dataclass(frozen=True)
class ManagerReport:
    overview: Overview
    reps: list[RepRow]
    coaching: list[Pattern]


@dataclass(frozen=True)
class CalibrationHealth:
    action_type: str
    brier_score: float | None
    ece: float | None
    sample_count: int
    multiplier: float


@dataclass(frozen=True)
class ExecutiveReport:
    overview: Overview
    automation_rate: float | None
    hours_saved: float
    calibration: list[CalibrationHealth]
    open_drift_alerts: int = 0  # drift alerts nobody acknowledged yet (all time)


@dataclass(frozen=True)
class Frame:
    """What identifies a dashboard besides its scope and its days: the tenant, the time
    zone of its days, and when it was produced."""

    tenant_id: uuid.UUID
    generated_at: dt.datetime
    zone: str = "UTC"

    def days(self, o: Overview) -> Days:
        return Days.until(o.start, o.end, self.zone)


@dataclass(frozen=True)
class RepDashboard:
    frame: Frame
    rep_id: str
    overview: Overview


@dataclass(frozen=True)
class ManagerDashboard:
    frame: Frame
    team_id: str
    report: ManagerReport


@dataclass(frozen=True)
class ExecutiveSummary:
    frame: Frame
    report: ExecutiveReport


Dashboard = RepDashboard | ManagerDashboard | ExecutiveSummary


def regenerated(d: Dashboard, at: dt.datetime) -> Dashboard:
    """``d`` as if produced at ``at``: equal to another dashboard with the same numbers."""
    return dataclasses.replace(d, frame=dataclasses.replace(d.frame, generated_at=at))


async def overview(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    scope: DashboardScope,
    start: dt.datetime,
    end: dt.datetime,
    *,
    zone: str = "UTC",
) -> Overview:
    """The scope's block for the days of ``[start, end)``, its daily trend, the period before."""
    days = Days.until(start, end, zone)
    current = await daily_counts(session, tenant_id, scope, days)
    previous = await daily_counts(session, tenant_id, scope, days.previous())
    trend = [TrendPoint(day, metrics(c)) for day, c in sorted(current.items())]
    return Overview(
        start,
        end,
        metrics(combine(list(current.values()))),
        metrics(combine(list(previous.values()))),
        trend,
    )


async def manager_report(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    team_id: str,
    start: dt.datetime,
    end: dt.datetime,
    *,
    min_samples: int = 10,
    zone: str = "UTC",
) -> ManagerReport:
    """The team's block, one row per rep, and reps or action types clearly below the team."""
    scope = DashboardScope(team_id=team_id)
    view = await overview(session, tenant_id, scope, start, end, zone=zone)
    days = Days.until(start, end, zone)
    names = await _team_directory(session, tenant_id, team_id)
    per_rep = await _grouped(session, tenant_id, scope, days, OutcomeRollup.rep_id)
    await _add_rep_feedback(session, tenant_id, team_id, days, per_rep)
    reps = sorted(set(names) | {r for r in per_rep if r})
    rows = [RepRow(r, names.get(r), metrics(per_rep.get(r, Counts()))) for r in reps]
    per_action = await _grouped(session, tenant_id, scope, days, OutcomeRollup.action_type)
    team_rate = view.metrics.success_rate
    coaching = below_team("REP_BELOW_TEAM", "rep", per_rep, team_rate, min_samples)
    coaching += below_team("ACTION_BELOW_TEAM", "action type", per_action, team_rate, min_samples)
    return ManagerReport(view, rows, coaching)


def below_team(
    kind: str, noun: str, groups: dict[str, Counts], team_rate: float | None, min_samples: int
) -> list[Pattern]:
    """Groups whose Wilson 95% upper bound lies below the team's success rate.

    An interval, not a raw difference: a rep with 1/4 is not "clearly below" a 60% team.
    """
    found = []
    for subject, counts in sorted(groups.items()):
        pos = sum(v for (_, s), v in counts.outcomes.items() if s == OutcomeStatus.POSITIVE)
        neg = sum(v for (_, s), v in counts.outcomes.items() if s == OutcomeStatus.NEGATIVE)
        interval = statistics.wilson_interval(pos, pos + neg)
        if team_rate is None or interval is None or pos + neg < min_samples or not subject:
            continue
        if interval[1] < team_rate:
            found.append(_below(kind, noun, subject, pos, neg, interval, team_rate))
    return found


def _below(
    kind: str,
    noun: str,
    subject: str,
    pos: int,
    neg: int,
    interval: tuple[float, float],
    team_rate: float,
) -> Pattern:
    n, success = pos + neg, pos / (pos + neg)
    return Pattern(
        kind=kind,
        subject=subject,
        description=(
            f"{noun} {subject} succeeds {success:.0%} of {n} resolved actions (95% CI "
            f"{interval[0]:.0%}–{interval[1]:.0%}), clearly below the team's {team_rate:.0%}."
        ),
        success_rate=success,
        sample_size=n,
        confidence=interval[1],
        recommendation=f"Review {noun} {subject}'s recent conversations with the team's best.",
        evidence={
            "positive": pos,
            "negative": neg,
            "wilsonLow": interval[0],
            "wilsonHigh": interval[1],
            "teamRate": team_rate,
            "confidenceMeasure": "Wilson 95% upper bound of the success rate",
        },
    )


async def _team_directory(
    session: AsyncSession, tenant_id: uuid.UUID, team_id: str
) -> dict[str, str | None]:
    rows = await session.execute(
        select(TeamMember.user_id, TeamMember.display_name).where(
            TeamMember.tenant_id == tenant_id,
            TeamMember.team_id == team_id,
            TeamMember.role == Role.REP.value,
        )
    )
    return {user: name for user, name in rows.all()}


async def _grouped(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    scope: DashboardScope,
    days: Days,
    column: Any,
) -> dict[str, Counts]:
    if days.zone != "UTC":
        where = local_days.in_scope(tenant_id, scope.rep_id, scope.team_id)
        key = local_days.group_key(column.key)
        found = await local_days.count_rows(session, tenant_id, where, (days.start, days.stop), key)
    else:
        found = await rollup_counts(session, tenant_id, scope, days, column)
    groups: dict[str, Counts] = {}
    for key, outcome_type, status, count in found:
        groups.setdefault(key, Counts()).outcomes[(outcome_type, status)] += count
    return groups


async def _add_rep_feedback(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    team_id: str,
    days: Days,
    per_rep: dict[str, Counts],
) -> None:
    """Each rep row's response quality, over the same outcomes as the row's counts: the
    rep's outcomes inside the team's scope (never their outcomes for another team)."""
    rep = OutcomeRecord.rep_id
    stmt = feedback_in_scope(select(rep), tenant_id, DashboardScope(team_id=team_id), days)
    rows = await session.execute(stmt.group_by(rep, FeedbackEntry.source, FeedbackEntry.rating))
    for rep_id, source, rating, count, total in rows.all():
        per_rep.setdefault(rep_id or "", Counts()).add_rating(
            (source, rating), int(count), float(total)
        )


async def executive_report(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    start: dt.datetime,
    end: dt.datetime,
    *,
    minutes_saved_per_action: float,
    zone: str = "UTC",
) -> ExecutiveReport:
    view = await overview(session, tenant_id, DashboardScope(), start, end, zone=zone)
    escalation = view.metrics.escalation_rate
    curves = await read_curves(session, tenant_id)
    health = [
        CalibrationHealth(
            c.action_type, c.curve.brier, c.curve.ece, c.curve.sample_count, c.multiplier
        )
        for c in curves
    ]
    return ExecutiveReport(
        view,
        automation_rate=None if escalation is None else 1 - escalation,
        hours_saved=view.metrics.actions * minutes_saved_per_action / 60,
        calibration=health,
        open_drift_alerts=await drift_alerts.count_open(session, tenant_id),
    )
