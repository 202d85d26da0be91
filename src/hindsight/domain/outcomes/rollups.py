"""Outcome rollups kept current on every write (docs/design.md, read by dashboards).

A key's counts are spread over ``SLOTS`` rows, chosen by outcome id, so the record and the
resolution of one outcome always touch the same slot (no slot goes negative) and
concurrent writers of one day, rep, action and status rarely wait for each other's row
lock. Readers sum over their groups, so slots are invisible to them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db import dialects
from hindsight.db.models import OutcomeRecord, OutcomeRollup

ROLLUPS = cast(Table, OutcomeRollup.__table__)
SLOTS = 1  # 4 made cold dashboards read ~3.4x the rows (README: rollup slots)


@dataclass(frozen=True, order=True)
class RollupKey:
    day: dt.date
    rep_id: str
    team_id: str
    action_type: str
    outcome_type: str
    status: str
    slot: int = 0


def key_of(outcome: OutcomeRecord, status: str) -> RollupKey:
    return RollupKey(
        outcome.created_at.date(),
        outcome.rep_id or "",
        outcome.team_id or "",
        outcome.action_type,
        outcome.outcome_type,
        status,
        outcome.id.int % SLOTS,
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
    """Add count/confidence deltas to their rollup rows: one statement for all keys, in
    sorted key order, so the lock order is the same for every writer."""
    totals: dict[RollupKey, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for key, count, confidence in deltas:
        totals[key][0] += count
        totals[key][1] += confidence
    rows = [
        {"tenant_id": tenant_id, **_columns(key), "count": int(n), "sum_confidence": total}
        for key, (n, total) in sorted(totals.items())
        if n != 0 or total != 0
    ]
    if rows:
        await session.execute(_upsert(dialects.dialect_of(session)), rows)


KEY_FIELDS = [f.name for f in fields(RollupKey)]


def _columns(key: RollupKey) -> dict[str, Any]:
    """The key's columns (``dataclasses.asdict`` deep-copies, at a tenth of a write's cost)."""
    return {name: getattr(key, name) for name in KEY_FIELDS}


def _upsert(dialect: str) -> Any:
    return dialects.adding_upsert(dialect, ROLLUPS, ("count", "sum_confidence"))
