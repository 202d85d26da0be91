"""``hindsight demo``: weeks of realistic synthetic activity, simulated in seconds.

The agent is deliberately miscalibrated: overconfident on meetings and deals,
underconfident on case studies, so calibration has something to find. Events are
replayed in time order through the real domain functions, then detection closes
the windows that have ended.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db import maintenance
from hindsight.db.models import OutcomeRecord
from hindsight.demo import calibration as demo_calibration
from hindsight.demo import replay as demo_replay
from hindsight.demo.progress import Progress
from hindsight.domain import team
from hindsight.domain.drift import alerts as drift_alerts
from hindsight.domain.enums import OutcomeType, Role, SignalKind
from hindsight.domain.outcomes import lookup as outcomes
from hindsight.domain.outcomes import signals
from hindsight.services import Services
from hindsight.workers.drift_jobs import run_drift_job
from hindsight.workers.jobs import run_all_detection

DEMO_TENANT = uuid.UUID("00000000-0000-4000-8000-000000000001")
TEAMS = {
    "team-east": ["rep-ana", "rep-ben", "rep-cho"],
    "team-west": ["rep-dev", "rep-eli", "rep-fay"],
}
K = SignalKind


@dataclass(frozen=True)
class ActionProfile:
    action_type: str
    outcome_type: OutcomeType
    weight: float
    true_rate: float  # how often it really works
    stated: float  # the confidence the agent states on average


PROFILES = [
    ActionProfile("send_follow_up", OutcomeType.IMMEDIATE_RESPONSE, 5, 0.55, 0.58),
    ActionProfile("send_case_study", OutcomeType.IMMEDIATE_RESPONSE, 2, 0.80, 0.50),
    ActionProfile("propose_meeting", OutcomeType.ENGAGEMENT, 3, 0.35, 0.78),
    ActionProfile("qualify_lead", OutcomeType.QUALIFICATION, 2, 0.60, 0.60),
    ActionProfile("advance_deal", OutcomeType.DEAL_PROGRESSION, 2, 0.30, 0.72),
    ActionProfile("escalate_to_human", OutcomeType.ESCALATION, 1, 0.65, 0.62),
]
TRIGGERS = {"pricing_question": 0.8, "angry_customer": 0.75, "legal_review": 0.2}


@dataclass(order=True)
class Step:
    at: dt.datetime
    order: int
    work: object


def plan(n: int, seed: int, now: dt.datetime, days: int = 35) -> list[Step]:
    """Outcomes spread over ``days`` days and the signals that will decide them, in time order."""
    rng = random.Random(seed)
    reps = [(rep, team) for team, members in TEAMS.items() for rep in members]
    start = now - dt.timedelta(days=days)
    steps: list[Step] = []
    for i in range(n):
        profile = rng.choices(PROFILES, weights=[p.weight for p in PROFILES])[0]
        rep, team = rng.choice(reps)
        at = start + dt.timedelta(seconds=rng.uniform(0, days * 86400 - 3600))
        new, signal_plan = _one_action(rng, profile, rep, team, i, at)
        steps.append(Step(at, len(steps), new))
        steps.extend(Step(t, len(steps) + j, s) for j, (t, s) in enumerate(signal_plan) if t <= now)
    planted = _planted(now, len(steps))
    return sorted(steps + planted + _drift(now, len(steps) + len(planted)))


# Coaching patterns planted on top of the random activity (alone when n=0), in the last 25
# days: a clearly strong action, a clearly weak one the agent is over-confident about, a
# 3-for-3 action too small to rank first, and an escalation trigger that rarely helps.
PLANTED = [  # action, outcome type, trigger, stated confidence, outcomes, how many work
    ("send_case_study", OutcomeType.IMMEDIATE_RESPONSE, None, 0.55, 50, 45),
    ("send_discount_offer", OutcomeType.IMMEDIATE_RESPONSE, None, 0.75, 40, 6),
    ("send_video_intro", OutcomeType.IMMEDIATE_RESPONSE, None, 0.6, 3, 3),
    ("escalate_to_human", OutcomeType.ESCALATION, "legal_review", 0.65, 16, 3),
]


def _planted(now: dt.datetime, order: int) -> list[Step]:
    """PLANTED outcomes, each decided by a signal two hours later or (ghosted) by detection."""
    steps: list[Step] = []
    for action, kind, trigger, stated, count, working in PLANTED:
        for k in range(count):
            at = now - dt.timedelta(days=2 + 23 * k / count, minutes=len(steps))
            conv = f"conv-planted-{action}-{k}"
            meta = {"channel": "email", **({"trigger": trigger} if trigger else {})}
            new = outcomes.NewOutcome(
                action_type=action,
                outcome_type=kind,
                predicted_confidence=stated,
                conversation_id=conv,
                rep_id="rep-ana",
                team_id="team-east",
                metadata=meta,
                idempotency_key=f"demo-planted-{action}-{k}",
            )
            steps.append(Step(at, order + len(steps), new))
            works = (k + 1) * working // count > k * working // count  # spread evenly
            if kind == OutcomeType.ESCALATION:
                decided = signals.NewSignal(K.ESCALATION_RESOLVED, conv, helpful=works)
            elif works:
                decided = signals.NewSignal(K.CUSTOMER_REPLIED, conv)
            else:
                continue
            steps.append(Step(at + dt.timedelta(hours=2), order + len(steps), decided))
    return steps


# One planted drift, so a newcomer sees an alert: over the last 25 days the
# agent sends its pricing sheet at a steady stated 0.6; the first 120 work 70% of the time,
# then (a competitor's price cut) only 10 of the last 100 do. Both drift monitors catch it.
DRIFT_ACTION, DRIFT_STATED = "send_pricing_sheet", 0.6
DRIFT_PARTS = ((120, 84), (100, 10))  # (outcomes, how many work), oldest first


def _drift(now: dt.datetime, order: int) -> list[Step]:
    """DRIFT_PARTS in time order, each decided by a reply two hours later or by detection."""
    steps: list[Step] = []
    total = sum(count for count, _ in DRIFT_PARTS)
    k = 0
    for count, working in DRIFT_PARTS:
        for j in range(count):
            at = now - dt.timedelta(days=2 + 23 * (total - k) / total)
            conv = f"conv-drift-{k}"
            new = outcomes.NewOutcome(
                action_type=DRIFT_ACTION,
                outcome_type=OutcomeType.IMMEDIATE_RESPONSE,
                predicted_confidence=DRIFT_STATED,
                conversation_id=conv,
                rep_id="rep-dev",
                team_id="team-west",
                metadata={"channel": "email"},
                idempotency_key=f"demo-drift-{k}",
            )
            steps.append(Step(at, order + len(steps), new))
            works = (j + 1) * working // count > j * working // count  # spread evenly
            answer = signals.NewSignal(K.CUSTOMER_REPLIED if works else K.UNSUBSCRIBED, conv)
            steps.append(Step(at + dt.timedelta(hours=2), order + len(steps), answer))
            k += 1
    return steps


def _one_action(
    rng: random.Random, profile: ActionProfile, rep: str, team: str, i: int, at: dt.datetime
) -> tuple[outcomes.NewOutcome, list[tuple[dt.datetime, signals.NewSignal]]]:
    stated = min(max(rng.gauss(profile.stated, 0.12), 0.02), 0.99)
    metadata: dict[str, object] = {"channel": rng.choice(["email", "linkedin", "chat"])}
    true_rate = profile.true_rate + 0.6 * (stated - profile.stated)
    if profile.outcome_type == OutcomeType.ESCALATION:
        trigger = rng.choice(list(TRIGGERS))
        metadata["trigger"] = trigger
        true_rate = TRIGGERS[trigger]
    conversation, deal = f"conv-{i:06d}", f"deal-{i % 997:04d}-{i:06d}"
    new = outcomes.NewOutcome(
        action_type=profile.action_type,
        outcome_type=profile.outcome_type,
        predicted_confidence=round(stated, 3),
        conversation_id=conversation,
        deal_id=deal,
        rep_id=rep,
        team_id=team,
        metadata=metadata,
        idempotency_key=f"demo-{i}",
    )
    works = rng.random() < min(max(true_rate, 0.02), 0.98)
    return new, _signals(rng, profile.outcome_type, works, conversation, deal, at)


def _signals(
    rng: random.Random, kind: OutcomeType, works: bool, conv: str, deal: str, at: dt.datetime
) -> list[tuple[dt.datetime, signals.NewSignal]]:
    def later(max_hours: float) -> dt.datetime:
        return at + dt.timedelta(hours=rng.uniform(0.2, max_hours))

    def sig(k: SignalKind, **kw: object) -> signals.NewSignal:
        return signals.NewSignal(kind=k, conversation_id=conv, deal_id=deal, **kw)  # type: ignore[arg-type]

    outcome = {
        (OutcomeType.IMMEDIATE_RESPONSE, True): [(later(20), sig(K.CUSTOMER_REPLIED))],
        (OutcomeType.IMMEDIATE_RESPONSE, False): [(later(20), sig(K.UNSUBSCRIBED))]
        if rng.random() < 0.2
        else [],
        (OutcomeType.ENGAGEMENT, True): [(later(150), sig(K.MEETING_BOOKED))],
        (OutcomeType.ENGAGEMENT, False): [(later(150), sig(K.CUSTOMER_REPLIED))]
        if rng.random() < 0.4
        else [],
        (OutcomeType.QUALIFICATION, True): [(later(150), sig(K.QUALIFICATION_COMPLETED))],
        (OutcomeType.QUALIFICATION, False): [(later(150), sig(K.DEAL_LOST))]
        if rng.random() < 0.3
        else [],
        (OutcomeType.DEAL_PROGRESSION, True): [
            (later(600), sig(K.DEAL_STAGE_CHANGED, from_stage="QUALIFIED", to_stage="DEMO"))
        ],
        (OutcomeType.DEAL_PROGRESSION, False): [
            (later(600), sig(K.DEAL_STAGE_CHANGED, from_stage="DEMO", to_stage="QUALIFIED"))
        ]
        if rng.random() < 0.3
        else [],
        (OutcomeType.ESCALATION, True): [(later(100), sig(K.ESCALATION_RESOLVED, helpful=True))],
        (OutcomeType.ESCALATION, False): [(later(100), sig(K.ESCALATION_RESOLVED, helpful=False))]
        if rng.random() < 0.8
        else [],
    }
    return outcome[(kind, works)]


async def load_demo(
    services: Services,
    *,
    tenant: uuid.UUID = DEMO_TENANT,
    n: int = 2000,
    seed: int = 7,
) -> list[str]:
    """Fill ``tenant`` with ``n`` outcomes, their signals, feedback and calibration runs;
    returns a printable summary."""
    now = services.now()
    await services.db.run(tenant, lambda s: _directory(s, tenant))
    steps = plan(n, seed, now)
    phase = max(len(steps) // 20, 1)  # detection, feedback and calibration: ~5% each
    progress = Progress(len(steps) + 3 * phase, "demo")
    await demo_replay.replay(services, tenant, steps, progress)
    await run_all_detection(
        services.db, rules=services.rules, clock=services.clock, tenants=[tenant]
    )
    progress.advance(phase)
    from hindsight.demo.feedback import load_demo_feedback  # feedback on these outcomes

    await load_demo_feedback(services, tenant=tenant, seed=seed)
    progress.advance(phase)
    await services.db.run(tenant, maintenance.analyze)  # fresh tables: give the planner stats
    counts = await services.db.run(tenant, lambda s: _status_counts(s, tenant))
    curves = await demo_calibration.calibrate(services, tenant)
    drift = await run_drift_job(
        services.db, settings=services.settings, clock=services.clock, tenants=[tenant]
    )
    progress.advance(phase)
    settings = services.settings
    return [
        "outcomes by status: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())),
        "calibration (! = stated and observed differ by more than the threshold):",
        *demo_calibration.summary(
            curves, settings.calibration_threshold, settings.calibration_min_samples
        ),
        f"drift alerts: {len(drift.alerts)} (the panel shows them above the tiles)",
        *(f"  {drift_alerts.describe(a)}" for a in drift.alerts),
    ]


async def _directory(session: AsyncSession, tenant: uuid.UUID) -> None:
    for team_id, reps in TEAMS.items():
        for rep in reps:
            await team.set_team_member(
                session,
                tenant,
                user_id=rep,
                team_id=team_id,
                role=Role.REP,
                display_name=rep[4:].title(),
            )
        manager = f"mgr-{team_id.split('-')[1]}"
        await team.set_team_member(
            session,
            tenant,
            user_id=manager,
            team_id=team_id,
            role=Role.MANAGER,
            display_name=manager,
        )


async def _status_counts(session: AsyncSession, tenant: uuid.UUID) -> dict[str, int]:
    rows = await session.execute(
        select(OutcomeRecord.status, func.count())
        .where(OutcomeRecord.tenant_id == tenant)
        .group_by(OutcomeRecord.status)
    )
    return {status: count for status, count in rows.all()}
