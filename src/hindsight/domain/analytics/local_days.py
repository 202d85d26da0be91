"""Outcome counts for periods in a time zone other than UTC.

The rollups count per UTC day, which cannot be split into another zone's days; so a period
in, say, America/Los_Angeles is counted from the outcome rows themselves, with an indexed
range scan on (tenant_id, created_at) over its instants ``[start, stop)``. UTC periods (the
default, and what ``dashboardUpdates`` shows) keep reading the rollups.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db import dialects
from hindsight.db.models import OutcomeRecord
from hindsight.domain.directory import teams

Row = tuple[Any, str, str, int]  # (day or group key, outcome type, status, count)


def in_scope(tenant_id: uuid.UUID, rep_id: str | None, team_id: str | None) -> ColumnElement[bool]:
    """The outcomes a dashboard scope covers, as ``rollup_scope`` does on rollups."""
    if rep_id is not None:
        return OutcomeRecord.rep_id == rep_id
    if team_id is not None:
        return or_(
            OutcomeRecord.team_id == team_id,
            OutcomeRecord.rep_id.in_(teams.members(tenant_id, team_id)),
        )
    return OutcomeRecord.tenant_id == tenant_id


async def count_rows(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    where: ColumnElement[bool],
    bounds: tuple[dt.datetime, dt.datetime],
    key: Any,
) -> list[Row]:
    """(key, outcome type, status, count) of the outcomes acted on in ``[start, stop)``."""
    start, stop = bounds
    stmt = (
        select(key, OutcomeRecord.outcome_type, OutcomeRecord.status, func.count())
        .where(
            OutcomeRecord.tenant_id == tenant_id,
            OutcomeRecord.created_at >= start,
            OutcomeRecord.created_at < stop,
            where,
        )
        .group_by(key, OutcomeRecord.outcome_type, OutcomeRecord.status)
    )
    return [(k, t, s, int(n)) for k, t, s, n in (await session.execute(stmt)).all()]


def day_key(session: AsyncSession, zone: str) -> ColumnElement[dt.date]:
    return dialects.local_day(session, OutcomeRecord.created_at, zone)


def group_key(name: str) -> ColumnElement[str]:
    """An outcome column as the rollups store it ('' for none)."""
    return func.coalesce(getattr(OutcomeRecord, name), "")
