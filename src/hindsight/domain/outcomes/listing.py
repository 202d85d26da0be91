"""Listing outcomes: the filter, the orders, one page of them, and how many there are."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db.models import OutcomeRecord
from hindsight.domain import paging
from hindsight.domain.access import Scope
from hindsight.domain.enums import OutcomeStatus, OutcomeType
from hindsight.domain.outcomes.lookup import scoped

# The sort keys a list of outcomes offers; every one is NOT NULL, so keyset paging holds.
ORDER_COLUMNS = {
    "CREATED_AT": OutcomeRecord.created_at,
    "RECORDED_AT": OutcomeRecord.recorded_at,
    "WINDOW_ENDS_AT": OutcomeRecord.window_ends_at,
    "PREDICTED_CONFIDENCE": OutcomeRecord.predicted_confidence,
}


@dataclass(frozen=True)
class OutcomeFilter:
    statuses: list[OutcomeStatus] = field(default_factory=list)
    outcome_types: list[OutcomeType] = field(default_factory=list)
    action_types: list[str] = field(default_factory=list)
    rep_id: str | None = None
    team_id: str | None = None
    conversation_id: str | None = None
    deal_id: str | None = None
    created_after: dt.datetime | None = None
    created_before: dt.datetime | None = None


def order(name: str = "CREATED_AT", *, descending: bool = True) -> paging.Order:
    """Newest (or largest) first by default; ties broken by id."""
    column = ORDER_COLUMNS[name]
    return paging.Order(name, column, OutcomeRecord.id, descending)


def selection(tenant_id: uuid.UUID, flt: OutcomeFilter, scope: Scope) -> Select[Any]:
    """The outcomes ``flt`` names that ``scope`` may see."""
    return _filtered(scoped(select(OutcomeRecord), tenant_id, scope), flt)


async def read_outcomes(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    flt: OutcomeFilter,
    scope: Scope,
    *,
    window: paging.Window,
    sort: paging.Order | None = None,
) -> paging.Page[OutcomeRecord]:
    """One keyset page (stable while rows are added), newest first unless ``sort`` says."""
    stmt = selection(tenant_id, flt, scope)
    return await paging.read_page(session, stmt, sort or order(), window)


async def count_outcomes(
    session: AsyncSession, tenant_id: uuid.UUID, flt: OutcomeFilter, scope: Scope
) -> int:
    return await paging.count_rows(session, selection(tenant_id, flt, scope))


def _filtered(stmt: Select[Any], flt: OutcomeFilter) -> Select[Any]:
    conditions = [
        OutcomeRecord.status.in_([s.value for s in flt.statuses]) if flt.statuses else None,
        OutcomeRecord.outcome_type.in_([t.value for t in flt.outcome_types])
        if flt.outcome_types
        else None,
        OutcomeRecord.action_type.in_(flt.action_types) if flt.action_types else None,
        OutcomeRecord.rep_id == flt.rep_id if flt.rep_id is not None else None,
        OutcomeRecord.team_id == flt.team_id if flt.team_id is not None else None,
        OutcomeRecord.conversation_id == flt.conversation_id
        if flt.conversation_id is not None
        else None,
        OutcomeRecord.deal_id == flt.deal_id if flt.deal_id is not None else None,
        OutcomeRecord.created_at >= flt.created_after if flt.created_after is not None else None,
        OutcomeRecord.created_at < flt.created_before if flt.created_before is not None else None,
    ]
    present = [c for c in conditions if c is not None]
    return stmt.where(and_(*present)) if present else stmt
