"""Reading and explicitly resolving outcomes; recording lives in ``outcome_writes``."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db.models import OutcomeRecord
from hindsight.domain import resolution, team
from hindsight.domain.access import Scope
from hindsight.domain.enums import OutcomeStatus, OutcomeType
from hindsight.domain.errors import NotFound, ValidationFailed
from hindsight.domain.outcome_writes import (  # noqa: F401 - the module's public names
    MAX_BATCH,
    NewOutcome,
    record_outcome,
    record_outcomes,
    validated,
)
from hindsight.domain.rules import Decision
from hindsight.domain.tenants import register as register_tenant  # noqa: F401


def _validated(new: NewOutcome, rules: Any, now: dt.datetime) -> dict[str, Any]:
    """``validated`` keyed by ORM attribute names (``meta``), as history imports use them."""
    values = validated(new, rules, now)
    values["meta"] = values.pop("metadata")
    return values


async def read_outcome(
    session: AsyncSession, tenant_id: uuid.UUID, outcome_id: str, scope: Scope
) -> OutcomeRecord:
    """One outcome the viewer may see, or ``NotFound`` (never a hint that it exists)."""
    try:
        key = uuid.UUID(outcome_id)
    except ValueError:
        raise NotFound(outcome_id, "no outcome with this id") from None
    stmt = _scoped(select(OutcomeRecord), tenant_id, scope).where(OutcomeRecord.id == key)
    outcome: OutcomeRecord | None = await session.scalar(stmt)
    if outcome is None:
        raise NotFound(outcome_id, "no outcome with this id")
    return outcome


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


@dataclass(frozen=True)
class Page:
    items: list[OutcomeRecord]
    cursors: list[str]
    has_next: bool


async def read_outcomes(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    flt: OutcomeFilter,
    scope: Scope,
    *,
    first: int,
    after: str | None = None,
) -> Page:
    """Newest first, keyset-paginated on (created_at, id): stable while rows are added."""
    stmt = _filtered(_scoped(select(OutcomeRecord), tenant_id, scope), flt)
    if after:
        created_at, last_id = decode_cursor(after)
        stmt = stmt.where(
            tuple_(OutcomeRecord.created_at, OutcomeRecord.id) < tuple_(created_at, last_id)
        )
    stmt = stmt.order_by(OutcomeRecord.created_at.desc(), OutcomeRecord.id.desc())
    rows = list(await session.scalars(stmt.limit(first + 1)))
    items = rows[:first]
    return Page(items, [encode_cursor(o) for o in items], len(rows) > first)


def _scoped(stmt: Select[Any], tenant_id: uuid.UUID, scope: Scope) -> Select[Any]:
    stmt = stmt.where(OutcomeRecord.tenant_id == tenant_id)
    if scope.rep_id is not None:
        stmt = stmt.where(OutcomeRecord.rep_id == scope.rep_id)
    if scope.team_id is not None:
        members = team.members(tenant_id, scope.team_id)
        stmt = stmt.where(
            or_(OutcomeRecord.team_id == scope.team_id, OutcomeRecord.rep_id.in_(members))
        )
    return stmt


def _filtered(stmt: Select[Any], flt: OutcomeFilter) -> Select[Any]:
    o = OutcomeRecord
    conditions = [
        o.status.in_([s.value for s in flt.statuses]) if flt.statuses else None,
        o.outcome_type.in_([t.value for t in flt.outcome_types]) if flt.outcome_types else None,
        o.action_type.in_(flt.action_types) if flt.action_types else None,
        o.rep_id == flt.rep_id if flt.rep_id is not None else None,
        o.team_id == flt.team_id if flt.team_id is not None else None,
        o.conversation_id == flt.conversation_id if flt.conversation_id is not None else None,
        o.deal_id == flt.deal_id if flt.deal_id is not None else None,
        o.created_at >= flt.created_after if flt.created_after is not None else None,
        o.created_at < flt.created_before if flt.created_before is not None else None,
    ]
    present = [c for c in conditions if c is not None]
    return stmt.where(and_(*present)) if present else stmt


def encode_cursor(outcome: OutcomeRecord) -> str:
    raw = f"{outcome.created_at.isoformat()}|{outcome.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> tuple[dt.datetime, uuid.UUID]:
    try:
        created_at, outcome_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return dt.datetime.fromisoformat(created_at), uuid.UUID(outcome_id)
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed("after", "is not a cursor this API returned") from None


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
