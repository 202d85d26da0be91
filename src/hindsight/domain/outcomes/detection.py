"""Scheduled detection: the safety net behind event-driven resolution (docs/concepts/outcomes.md).

Each job claims pending outcomes in batches (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
workers never wait on, or double-process, each other's rows), decides them from stored
signals and, for the window-end job, applies the window-end rule. Running a job twice
changes nothing the first run did not.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db import dialects
from hindsight.db.models import OutcomeRecord, Tenant
from hindsight.domain.enums import OutcomeStatus, OutcomeType
from hindsight.domain.outcomes import resolution
from hindsight.domain.outcomes.rules import OUTCOME_TYPES, OutcomeRules, SafetyNet


@dataclass(frozen=True)
class DetectionJob:
    name: str
    outcome_types: frozenset[OutcomeType]
    interval_setting: str  # the ``Settings`` field with its interval in seconds
    closes_windows: bool = False


WINDOW_END = SafetyNet("window_end", "expiry_interval_seconds")


def _jobs() -> dict[str, DetectionJob]:
    """Each safety-net job with the outcome types ``rules.OUTCOME_TYPES`` gives it, then the
    window-end job over every type, last: ``runDetection`` runs them in this order."""
    members: dict[SafetyNet, set[OutcomeType]] = {}
    for outcome_type, rule in OUTCOME_TYPES.items():
        if rule.safety_net is not None:
            members.setdefault(rule.safety_net, set()).add(outcome_type)
    jobs = {
        net.job: DetectionJob(net.job, frozenset(types), net.interval_setting)
        for net, types in members.items()
    }
    end = WINDOW_END
    jobs[end.job] = DetectionJob(end.job, frozenset(OutcomeType), end.interval_setting, True)
    return jobs


JOBS = _jobs()

Cursor = tuple[dt.datetime, uuid.UUID]


@dataclass
class JobReport:
    name: str
    examined: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def resolved(self) -> int:
        return sum(self.by_status.values())

    def add(self, examined: int, resolved: list[OutcomeRecord]) -> None:
        self.examined += examined
        for outcome in resolved:
            self.by_status[outcome.status] = self.by_status.get(outcome.status, 0) + 1


@dataclass(frozen=True)
class Batch:
    examined: int
    resolved: list[OutcomeRecord]
    next_cursor: Cursor | None  # None when this was the last batch


async def tenant_ids(session: AsyncSession) -> list[uuid.UUID]:
    return list(await session.scalars(select(Tenant.id).order_by(Tenant.id)))


async def detect_batch(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    job: DetectionJob,
    *,
    rules: OutcomeRules,
    now: dt.datetime,
    after: Cursor | None,
    batch_size: int,
) -> Batch:
    """Claim the next batch of pending outcomes (by window end) and resolve what it can."""
    stmt = select(OutcomeRecord).where(
        OutcomeRecord.tenant_id == tenant_id,
        OutcomeRecord.status == OutcomeStatus.PENDING.value,
        OutcomeRecord.outcome_type.in_([t.value for t in job.outcome_types]),
    )
    # Ended windows belong to the window-end job alone: if a safety-net job also claimed
    # them, its locks would make the window-end job skip those rows until its next tick.
    if job.closes_windows:
        stmt = stmt.where(OutcomeRecord.window_ends_at <= now)
    else:
        stmt = stmt.where(OutcomeRecord.window_ends_at > now)
    if after is not None:
        stmt = stmt.where(tuple_(OutcomeRecord.window_ends_at, OutcomeRecord.id) > tuple_(*after))
    stmt = stmt.order_by(OutcomeRecord.window_ends_at, OutcomeRecord.id).limit(batch_size)
    claimed = list(await session.scalars(dialects.claim(session, stmt)))
    resolved = await resolution.evaluate(
        session, tenant_id, claimed, rules=rules, now=now, close_ended_windows=job.closes_windows
    )
    last = (claimed[-1].window_ends_at, claimed[-1].id) if len(claimed) == batch_size else None
    return Batch(len(claimed), resolved, last)
