"""Listing feedback: one filter (shared with the summaries), orders, pages and counts."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import ColumnElement, Select, or_
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db.models import FeedbackEntry, OutcomeRecord
from hindsight.domain import paging
from hindsight.domain.directory import teams
from hindsight.domain.enums import FeedbackSource, FeedbackTarget
from hindsight.domain.feedback.reads import Visibility, scoped

ORDER_COLUMNS = {
    "CREATED_AT": FeedbackEntry.created_at,
    "UPDATED_AT": FeedbackEntry.updated_at,
    "SCORE": FeedbackEntry.score,
}


@dataclass(frozen=True)
class Matching:
    """The fields every form of the feedback filter shares: each given one must match; rep,
    team and action type through the linked outcome."""

    reviewer_id: str | None = None
    rep_id: str | None = None
    team_id: str | None = None
    action_types: list[str] = field(default_factory=list)
    target_types: list[FeedbackTarget] = field(default_factory=list)
    sources: list[FeedbackSource] = field(default_factory=list)
    conversation_id: str | None = None

    def matching(self) -> dict[str, Any]:
        """These shared fields, to build another form of the filter from this one."""
        return {f.name: getattr(self, f.name) for f in fields(Matching)}


@dataclass(frozen=True)
class FeedbackFilter(Matching):
    """The checked filter the queries use."""

    outcome_id: uuid.UUID | None = None
    created_after: dt.datetime | None = None  # inclusive
    created_before: dt.datetime | None = None  # exclusive


def conditions(tenant_id: uuid.UUID, flt: FeedbackFilter) -> list[ColumnElement[bool]]:
    team_of = None
    if flt.team_id is not None:
        members = teams.members(tenant_id, flt.team_id)
        team_of = or_(OutcomeRecord.team_id == flt.team_id, OutcomeRecord.rep_id.in_(members))
    found = [
        FeedbackEntry.reviewer_id == flt.reviewer_id if flt.reviewer_id is not None else None,
        OutcomeRecord.rep_id == flt.rep_id if flt.rep_id is not None else None,
        team_of,
        OutcomeRecord.action_type.in_(flt.action_types) if flt.action_types else None,
        FeedbackEntry.target_type.in_([t.value for t in flt.target_types])
        if flt.target_types
        else None,
        FeedbackEntry.source.in_([s.value for s in flt.sources]) if flt.sources else None,
        FeedbackEntry.conversation_id == flt.conversation_id
        if flt.conversation_id is not None
        else None,
        FeedbackEntry.outcome_id == flt.outcome_id if flt.outcome_id is not None else None,
        FeedbackEntry.created_at >= flt.created_after if flt.created_after is not None else None,
        FeedbackEntry.created_at < flt.created_before if flt.created_before is not None else None,
    ]
    return [c for c in found if c is not None]


def order(name: str = "CREATED_AT", *, descending: bool = True) -> paging.Order:
    """Newest first by default; ties broken by id."""
    return paging.Order(name, ORDER_COLUMNS[name], FeedbackEntry.id, descending)


def selection(tenant_id: uuid.UUID, flt: FeedbackFilter, vis: Visibility) -> Select[Any]:
    return scoped(tenant_id, vis, FeedbackEntry).where(*conditions(tenant_id, flt))


async def read_entries(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    flt: FeedbackFilter,
    vis: Visibility,
    *,
    window: paging.Window,
    sort: paging.Order | None = None,
) -> paging.Page[FeedbackEntry]:
    stmt = selection(tenant_id, flt, vis)
    return await paging.read_page(session, stmt, sort or order(), window)


async def count_entries(
    session: AsyncSession, tenant_id: uuid.UUID, flt: FeedbackFilter, vis: Visibility
) -> int:
    return await paging.count_rows(session, selection(tenant_id, flt, vis))
