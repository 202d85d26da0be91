"""What the drift monitors are fed: each POSITIVE/NEGATIVE resolution exactly once, in order.

The feed is the resolved rows no monitor has seen yet (``drift_fed_at`` null, a partial
index), oldest resolution first; the job marks them in the transaction that advances the
monitors' state, so state, checkpoint and alerts commit together. A checkpoint on
``resolved_at`` alone would skip a resolution whose transaction committed after a later
one had been fed; a marker per row cannot. Everything the monitors read goes through this
module, so a transactional outbox can replace it without touching the monitors.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, TextClause, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db.models import UNFED, OutcomeRecord
from hindsight.domain.drift.evalues import calibrated_q
from hindsight.domain.enums import OutcomeStatus

MARK_CHUNK = 1000  # ids per UPDATE … WHERE id IN (…), well under SQLite's variable limit


@dataclass(frozen=True)
class Resolution:
    """One resolution as the monitors see it: y = 1 for POSITIVE, q its calibrated confidence."""

    id: uuid.UUID
    resolved_at: dt.datetime
    y: int
    q: float


def _unfed(tenant_id: uuid.UUID) -> tuple[ColumnElement[bool], TextClause]:
    # the partial index's own predicate, as literal SQL: a bound ``status IN ($1, $2)``
    # would not prove to PostgreSQL's generic plans (nor to SQLite) that the index applies
    return OutcomeRecord.tenant_id == tenant_id, text(UNFED)


async def pending_action_types(session: AsyncSession, tenant_id: uuid.UUID) -> list[str]:
    """Action types with resolutions the monitors have not seen yet."""
    stmt = select(OutcomeRecord.action_type).where(*_unfed(tenant_id)).distinct()
    return sorted(await session.scalars(stmt))


async def read_unfed(
    session: AsyncSession, tenant_id: uuid.UUID, action_type: str, *, limit: int
) -> list[Resolution]:
    """The oldest ``limit`` unseen resolutions of ``action_type``, by (resolved_at, id)."""
    stmt = (
        select(
            OutcomeRecord.id,
            OutcomeRecord.resolved_at,
            OutcomeRecord.status,
            OutcomeRecord.calibrated_confidence,
            OutcomeRecord.predicted_confidence,
        )
        .where(*_unfed(tenant_id), OutcomeRecord.action_type == action_type)
        .order_by(OutcomeRecord.resolved_at, OutcomeRecord.id)
        .limit(limit)
    )
    return [_resolution(*row) for row in await session.execute(stmt)]


def _resolution(
    id: uuid.UUID, at: dt.datetime | None, status: str, q: float | None, p: float
) -> Resolution:
    assert at is not None, "a resolved outcome has its resolved_at"
    y = int(status == OutcomeStatus.POSITIVE)
    # q is null only on a row stored before it was kept: the raw confidence, clamped
    return Resolution(id, at, y, calibrated_q(p, 1.0) if q is None else q)


async def mark_fed(
    session: AsyncSession, tenant_id: uuid.UUID, ids: Sequence[uuid.UUID], now: dt.datetime
) -> None:
    """The checkpoint: these resolutions were fed (in the caller's transaction)."""
    for start in range(0, len(ids), MARK_CHUNK):
        chunk = list(ids[start : start + MARK_CHUNK])
        await session.execute(
            update(OutcomeRecord)
            .where(OutcomeRecord.tenant_id == tenant_id, OutcomeRecord.id.in_(chunk))
            .values(drift_fed_at=now)
            .execution_options(synchronize_session=False)
        )
