"""Outcome rollups kept current on every write (DESIGN.md §3, read by dashboards)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db import dialects
from hindsight.db.models import OutcomeRecord, OutcomeRollup


@dataclass(frozen=True, order=True)
class RollupKey:
    day: dt.date
    rep_id: str
    team_id: str
    action_type: str
    outcome_type: str
    status: str


def key_of(outcome: OutcomeRecord, status: str) -> RollupKey:
    return RollupKey(
        outcome.created_at.date(),
        outcome.rep_id or "",
        outcome.team_id or "",
        outcome.action_type,
        outcome.outcome_type,
        status,
    )


def moves(outcomes: Iterable[OutcomeRecord], old_status: str) -> list[tuple[RollupKey, int, float]]:
    """The deltas of moving each outcome from ``old_status`` to its current status."""
    deltas = []
    for outcome in outcomes:
        p = outcome.predicted_confidence
        deltas.append((key_of(outcome, old_status), -1, -p))
        deltas.append((key_of(outcome, outcome.status), 1, p))
    return deltas


async def apply(
    session: AsyncSession, tenant_id: uuid.UUID, deltas: Iterable[tuple[RollupKey, int, float]]
) -> None:
    """Add count/confidence deltas to their rollup rows (sorted, so lock order is stable)."""
    totals: dict[RollupKey, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for key, count, confidence in deltas:
        totals[key][0] += count
        totals[key][1] += confidence
    t = OutcomeRollup.__table__.c
    for key, (n, total) in sorted(totals.items()):
        if n == 0 and total == 0:
            continue
        stmt = dialects.insert(session, OutcomeRollup).values(
            tenant_id=tenant_id, **key.__dict__, count=int(n), sum_confidence=total
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=list(OutcomeRollup.__table__.primary_key),
            set_={
                "count": t.count + stmt.excluded.count,
                "sum_confidence": t.sum_confidence + stmt.excluded.sum_confidence,
            },
        )
        await session.execute(stmt)
