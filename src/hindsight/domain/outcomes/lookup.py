"""Reading and explicitly resolving outcomes; recording lives in ``writes``."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db.models import OutcomeRecord
from hindsight.domain.access import Scope
from hindsight.domain.directory import teams
from hindsight.domain.enums import OutcomeStatus
from hindsight.domain.errors import NotFound, ValidationFailed
from hindsight.domain.outcomes import resolution
from hindsight.domain.outcomes.rules import Decision
from hindsight.domain.outcomes.writes import MAX_BATCH as MAX_BATCH  # the public names
from hindsight.domain.outcomes.writes import NewOutcome as NewOutcome
from hindsight.domain.outcomes.writes import record_outcome as record_outcome
from hindsight.domain.outcomes.writes import record_outcomes as record_outcomes
from hindsight.domain.outcomes.writes import validated as validated


async def read_outcome(
    session: AsyncSession, tenant_id: uuid.UUID, outcome_id: str, scope: Scope
) -> OutcomeRecord:
    """One outcome the viewer may see, or ``NotFound`` (never a hint that it exists)."""
    try:
        key = uuid.UUID(outcome_id)
    except ValueError:
        raise NotFound(outcome_id, "no outcome with this id") from None
    stmt = scoped(select(OutcomeRecord), tenant_id, scope).where(OutcomeRecord.id == key)
    outcome: OutcomeRecord | None = await session.scalar(stmt)
    if outcome is None:
        raise NotFound(outcome_id, "no outcome with this id")
    return outcome


def scoped(stmt: Select[Any], tenant_id: uuid.UUID, scope: Scope) -> Select[Any]:
    stmt = stmt.where(OutcomeRecord.tenant_id == tenant_id)
    return in_reach(stmt, tenant_id, scope.rep_id, scope.team_id)


def in_reach(
    stmt: Select[Any], tenant_id: uuid.UUID, rep_id: str | None, team_id: str | None
) -> Select[Any]:
    """Only the rep's outcomes, and only the team's (acted for the team, or by a member)."""
    if rep_id is not None:
        stmt = stmt.where(OutcomeRecord.rep_id == rep_id)
    if team_id is not None:
        members = teams.members(tenant_id, team_id)
        stmt = stmt.where(or_(OutcomeRecord.team_id == team_id, OutcomeRecord.rep_id.in_(members)))
    return stmt


async def resolve_outcome(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    outcome_id: str,
    status: OutcomeStatus,
    reason: str | None,
    *,
    now: dt.datetime,
) -> OutcomeRecord:
    """An explicit decision by the agent or a person; never overwrites an earlier resolution."""
    if status not in (OutcomeStatus.POSITIVE, OutcomeStatus.NEGATIVE, OutcomeStatus.AMBIGUOUS):
        raise ValidationFailed("status", "must be POSITIVE, NEGATIVE or AMBIGUOUS")
    if reason is not None and len(reason) > 2000:
        raise ValidationFailed("reason", "must be at most 2,000 characters")
    outcome = await read_outcome(session, tenant_id, outcome_id, Scope())
    decision = Decision(status, reason or "resolved explicitly")
    resolved = await resolution.apply_decisions(session, tenant_id, {outcome.id: decision}, now=now)
    if not resolved:
        await session.refresh(outcome)
        raise ValidationFailed("outcomeId", f"outcome is already resolved as {outcome.status}")
    return resolved[0]
