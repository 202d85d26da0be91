"""Reading feedback within the viewer's visibility (docs/operations/security.md): who sees which
entry."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Select, and_, or_, outerjoin, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db.models import FeedbackEntry, OutcomeRecord
from hindsight.domain import access, team
from hindsight.domain.errors import Forbidden, NotFound


def parse_id(value: str) -> uuid.UUID | None:
    """The UUID ``value`` names, or None: a malformed id is simply one that is not there."""
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class Visibility:
    """Feedback a viewer may read; no subject means the whole tenant."""

    subject: str | None = None
    team_id: str | None = None


def visibility(grant: access.Grant, *, rep_id: str | None = None) -> Visibility:
    """What the grant reaches (``access.RULES``): a REP reads what they gave and what rates
    their own outcomes; a MANAGER also what their team's members gave or what rates the
    team's outcomes; a tenant-wide reach reads the tenant. A REP may not ask about another
    rep."""
    scope = grant.scope
    if scope.rep_id is not None and rep_id is not None and rep_id != scope.rep_id:
        raise Forbidden("a REP may only read their own feedback")
    if scope.rep_id is None and scope.team_id is None:
        return Visibility()
    return Visibility(subject=grant.viewer.subject, team_id=scope.team_id)


def scoped(
    tenant_id: uuid.UUID, vis: Visibility, *columns: Any, lateral: FromClause | None = None
) -> Select[Any]:
    """SELECT ``columns`` FROM feedback LEFT JOIN its outcome [JOIN ``lateral`` ON true],
    within the tenant and the viewer's visibility."""
    source = outerjoin(
        FeedbackEntry,
        OutcomeRecord,
        and_(
            OutcomeRecord.tenant_id == FeedbackEntry.tenant_id,
            OutcomeRecord.id == FeedbackEntry.outcome_id,
        ),
    )
    if lateral is not None:
        source = source.join(lateral, true())
    stmt = select(*columns).select_from(source).where(FeedbackEntry.tenant_id == tenant_id)
    return stmt.where(_visible(tenant_id, vis)) if vis.subject is not None else stmt


def _visible(tenant_id: uuid.UUID, vis: Visibility) -> ColumnElement[bool]:
    own = or_(FeedbackEntry.reviewer_id == vis.subject, OutcomeRecord.rep_id == vis.subject)
    if vis.team_id is None:
        return own
    members = team.members(tenant_id, vis.team_id)
    return or_(
        own,
        FeedbackEntry.reviewer_id.in_(members),
        OutcomeRecord.team_id == vis.team_id,
        OutcomeRecord.rep_id.in_(members),
    )


async def read_feedback(
    session: AsyncSession, tenant_id: uuid.UUID, feedback_id: str, vis: Visibility
) -> FeedbackEntry:
    """One entry the viewer may see, or ``NotFound`` (never a hint that it exists)."""
    key = parse_id(feedback_id)
    stmt = scoped(tenant_id, vis, FeedbackEntry).where(FeedbackEntry.id == key)
    entry: FeedbackEntry | None = await session.scalar(stmt) if key else None
    if entry is None:
        raise NotFound(feedback_id, "no feedback with this id")
    return entry


async def read_conversation_feedback(
    session: AsyncSession, tenant_id: uuid.UUID, conversation_id: str, vis: Visibility
) -> list[FeedbackEntry]:
    stmt = scoped(tenant_id, vis, FeedbackEntry).where(
        FeedbackEntry.conversation_id == conversation_id
    )
    return list(await session.scalars(stmt.order_by(FeedbackEntry.created_at, FeedbackEntry.id)))


async def read_outcome_feedback(
    session: AsyncSession, tenant_id: uuid.UUID, outcome_ids: Sequence[uuid.UUID], vis: Visibility
) -> dict[uuid.UUID, list[FeedbackEntry]]:
    """Entries linked to each of ``outcome_ids``, in one query (the DataLoader's batch)."""
    grouped: dict[uuid.UUID, list[FeedbackEntry]] = {key: [] for key in outcome_ids}
    stmt = scoped(tenant_id, vis, FeedbackEntry).where(FeedbackEntry.outcome_id.in_(grouped))
    for entry in await session.scalars(stmt.order_by(FeedbackEntry.created_at, FeedbackEntry.id)):
        assert entry.outcome_id is not None
        grouped[entry.outcome_id].append(entry)
    return grouped
