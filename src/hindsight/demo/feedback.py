"""Demo feedback on the demo's outcomes: reps rate inline, managers and an analyst on the
dashboard, ratings follow what happened, and two heavy raters make fatigue visible — one
over the daily cap, one at more than twice their 14-day mean."""

from __future__ import annotations

import datetime as dt
import functools
import math
import random
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db.models import OutcomeRecord, TeamMember
from hindsight.domain.access import Scope
from hindsight.domain.enums import FeedbackSource, FeedbackTarget, OutcomeStatus, Role
from hindsight.domain.feedback import ratings as feedback
from hindsight.services import Services

ANALYST = "analyst-kim"
SHARE_RATED = 0.35
QUALITY = {OutcomeStatus.POSITIVE: 0.8, OutcomeStatus.NEGATIVE: 0.25}  # else 0.5
GOOD_TAGS = ["helpful", "on_brand", "concise", "good_timing", "personal"]
BAD_TAGS = ["too_pushy", "off_topic", "too_long", "wrong_timing", "generic"]
COMMENTS = {True: ["Spot on.", "Nice tone."], False: ["Too salesy.", "Missed the question."]}
SOURCES = {
    Role.REP: FeedbackSource.INLINE,
    Role.MANAGER: FeedbackSource.DASHBOARD,
    Role.ANALYST: FeedbackSource.DASHBOARD,
}
TARGETS = {
    Role.REP: FeedbackTarget.MESSAGE,
    Role.MANAGER: FeedbackTarget.DECISION,
    Role.ANALYST: FeedbackTarget.OUTCOME,
}


@dataclass(frozen=True)
class Rating:
    at: dt.datetime
    reviewer_id: str
    role: Role
    new: feedback.NewFeedback


async def load_demo_feedback(services: Services, *, tenant: uuid.UUID, seed: int) -> int:
    """Rate a share of ``tenant``'s outcomes as its people would; returns entries written."""
    now = services.now()
    outcomes, managers = await services.db.run(tenant, lambda s: _read(s, tenant))
    if not outcomes:
        return 0
    rng = random.Random(seed)
    plan = _everyday(rng, outcomes, managers, now)
    plan += _over_the_cap(rng, outcomes, next(iter(managers.values()), "mgr-demo"), now)
    plan += _doubling(rng, outcomes, plan, now)
    plan.sort(key=lambda r: r.at)
    for i in range(0, len(plan), 200):
        batch = plan[i : i + 200]
        await services.db.run(tenant, functools.partial(_write, tenant=tenant, batch=batch))
    return len(plan)


async def _read(
    session: AsyncSession, tenant: uuid.UUID
) -> tuple[list[OutcomeRecord], dict[str, str]]:
    outcomes = await session.scalars(
        select(OutcomeRecord)
        .where(OutcomeRecord.tenant_id == tenant)
        .order_by(OutcomeRecord.created_at, OutcomeRecord.id)
    )
    managers = await session.execute(
        select(TeamMember.team_id, TeamMember.user_id)
        .where(TeamMember.tenant_id == tenant, TeamMember.role == Role.MANAGER.value)
        .order_by(TeamMember.team_id, TeamMember.user_id)
    )
    return list(outcomes), {team: user for team, user in managers.all()}


async def _write(session: AsyncSession, tenant: uuid.UUID, batch: list[Rating]) -> None:
    for r in batch:
        await feedback.record_feedback(  # the demo plans ratings within each reviewer's reach
            session,
            tenant,
            r.new,
            reviewer_id=r.reviewer_id,
            reviewer_role=r.role,
            scope=Scope(),
            now=r.at,
        )


def _everyday(
    rng: random.Random, outcomes: list[OutcomeRecord], managers: dict[str, str], now: dt.datetime
) -> list[Rating]:
    """About a third of outcomes rated once: by their rep, their manager or the analyst."""
    plan = []
    for outcome in outcomes:
        if rng.random() >= SHARE_RATED:
            continue
        pick = rng.random()
        manager = managers.get(outcome.team_id or "")
        if pick < 0.5 and outcome.rep_id:
            reviewer, role = outcome.rep_id, Role.REP
        elif pick < 0.8 and manager:
            reviewer, role = manager, Role.MANAGER
        else:
            reviewer, role = ANALYST, Role.ANALYST
        at = min(outcome.created_at + dt.timedelta(hours=rng.uniform(0.5, 48)), now)
        plan.append(_rating(rng, outcome, reviewer, role, at))
    return plan


def _rating(
    rng: random.Random,
    outcome: OutcomeRecord,
    reviewer: str,
    role: Role,
    at: dt.datetime,
    target_id: str | None = None,
) -> Rating:
    """A rating that follows the outcome: good when it worked, poor when it did not."""
    quality = QUALITY.get(OutcomeStatus(outcome.status), 0.5) + rng.gauss(0, 0.18)
    quality = min(max(quality, 0.0), 1.0)
    source = SOURCES[role]
    rating = round(quality * 2) - 1 if source == FeedbackSource.INLINE else 1 + round(quality * 4)
    good = quality >= 0.5
    target_type = TARGETS[role] if target_id is None else FeedbackTarget.MESSAGE
    new = feedback.NewFeedback(
        target_type=target_type,
        target_id=target_id or _target_id(target_type, outcome),
        source=source,
        rating=rating,
        outcome_id=str(outcome.id),
        comment=rng.choice(COMMENTS[good]) if rng.random() < 0.15 else None,
        tags=rng.sample(GOOD_TAGS if good else BAD_TAGS, k=rng.randint(0, 2)),
    )
    return Rating(at, reviewer, role, new)


def _target_id(target_type: FeedbackTarget, outcome: OutcomeRecord) -> str:
    if target_type == FeedbackTarget.OUTCOME:
        return str(outcome.id)
    prefix = "decision" if target_type == FeedbackTarget.DECISION else "msg"
    return f"{prefix}-{outcome.conversation_id}"


def _over_the_cap(
    rng: random.Random, outcomes: list[OutcomeRecord], manager: str, now: dt.datetime
) -> list[Rating]:
    """A manager clearing a backlog: 55 message ratings within the last 20 hours."""
    return [
        _rating(
            rng,
            outcome,
            manager,
            Role.MANAGER,
            now - dt.timedelta(hours=rng.uniform(0, 20)),
            target_id=f"msg-{outcome.conversation_id}-backlog-{i}",
        )
        for i, outcome in enumerate(rng.choices(outcomes, k=55))
    ]


def _doubling(
    rng: random.Random, outcomes: list[OutcomeRecord], plan: list[Rating], now: dt.datetime
) -> list[Rating]:
    """The busiest rep rates enough today to reach twice their 14-day daily mean."""
    reps = [r.reviewer_id for r in plan if r.role == Role.REP]
    if not reps:
        return []
    rep = max(sorted(set(reps)), key=reps.count)
    day_ago, start = now - dt.timedelta(days=1), now - dt.timedelta(days=15)
    recent = sum(1 for r in plan if r.reviewer_id == rep and r.at > day_ago)
    history = sum(1 for r in plan if r.reviewer_id == rep and start < r.at <= day_ago)
    needed = max(math.ceil(2 * history / 14) - recent, 0) + 1
    own = [o for o in outcomes if o.rep_id == rep]
    return [
        _rating(
            rng,
            outcome,
            rep,
            Role.REP,
            now - dt.timedelta(hours=rng.uniform(0, 12)),
            target_id=f"msg-{outcome.conversation_id}-today-{i}",
        )
        for i, outcome in enumerate(rng.choices(own, k=needed))
    ]
