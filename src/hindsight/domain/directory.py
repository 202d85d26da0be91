"""What a dashboard's pickers list: teams and their members, reps, action types, feedback
tags and escalation triggers — each within the viewer's outcome scope (docs/operations/security.md).

Teams and reps come from the directory (``setTeamMember``) and from the outcomes' own
``teamId``/``repId``, so a rep the directory does not know is still listed. Counts come
from the rollups, so a picker reads O(groups) rows, never the outcomes themselves.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db import dialects
from hindsight.db.models import FeedbackEntry, OutcomeRecord, OutcomeRollup, TeamMember
from hindsight.domain import team
from hindsight.domain.access import Scope
from hindsight.domain.analytics.measures import DashboardScope, rollup_scope
from hindsight.domain.enums import OutcomeType
from hindsight.domain.feedback.reads import Visibility, scoped
from hindsight.domain.outcomes.lookup import scoped as outcomes_in

NO_TRIGGER = "unspecified"


@dataclass(frozen=True)
class Member:
    user_id: str
    team_id: str
    role: str
    display_name: str | None


@dataclass(frozen=True)
class Rep:
    rep_id: str
    team_id: str | None  # from the directory, else from the rep's outcomes
    display_name: str | None
    in_directory: bool
    actions: int


@dataclass(frozen=True)
class Tally:
    """A name and how many outcomes (or feedback entries) carry it."""

    name: str
    count: int


def _rollups(tenant_id: uuid.UUID, scope: Scope) -> ColumnElement[bool]:
    where = DashboardScope(rep_id=scope.rep_id, team_id=scope.team_id)
    return and_(OutcomeRollup.tenant_id == tenant_id, rollup_scope(tenant_id, where))


async def _tally(session: AsyncSession, column: Any, where: ColumnElement[bool]) -> list[Tally]:
    stmt = select(column, func.sum(OutcomeRollup.count)).where(where, column != "")
    rows = await session.execute(stmt.group_by(column).order_by(column))
    return [Tally(str(name), int(n)) for name, n in rows if n]


async def read_members(
    session: AsyncSession, tenant_id: uuid.UUID, team_ids: list[str] | None = None
) -> list[Member]:
    """Directory entries, by team then user (all teams when ``team_ids`` is None)."""
    stmt = select(TeamMember).where(TeamMember.tenant_id == tenant_id)
    if team_ids is not None:
        stmt = stmt.where(TeamMember.team_id.in_(team_ids))
    rows = await session.scalars(stmt.order_by(TeamMember.team_id, TeamMember.user_id))
    return [Member(r.user_id, r.team_id, r.role, r.display_name) for r in rows]


async def read_team_ids(session: AsyncSession, tenant_id: uuid.UUID, scope: Scope) -> list[str]:
    """Teams named by the directory or by outcomes; a MANAGER's own team, a REP's own."""
    if scope.team_id is not None:
        return [scope.team_id]
    if scope.rep_id is not None:
        own = await team.team_of(session, tenant_id, scope.rep_id)
        return [own] if own else []
    named = select(TeamMember.team_id).where(TeamMember.tenant_id == tenant_id)
    used = select(OutcomeRollup.team_id).where(
        OutcomeRollup.tenant_id == tenant_id, OutcomeRollup.team_id != ""
    )
    rows = await session.scalars(named.union(used))
    return sorted(set(rows))


async def read_reps(session: AsyncSession, tenant_id: uuid.UUID, scope: Scope) -> list[Rep]:
    """Reps with outcomes in scope, plus the directory's REP entries in scope."""
    counts = {
        t.name: t.count
        for t in await _tally(session, OutcomeRollup.rep_id, _rollups(tenant_id, scope))
    }
    teams = await read_team_ids(session, tenant_id, scope)
    listed = await read_members(session, tenant_id, None if _whole(scope) else teams)
    members = {m.user_id: m for m in listed if m.role == "REP" or m.user_id in counts}
    if scope.rep_id is not None:
        members = {k: v for k, v in members.items() if k == scope.rep_id}
    found = {rep_id: Rep(rep_id, None, None, False, n) for rep_id, n in counts.items()}
    for m in members.values():
        found[m.user_id] = Rep(m.user_id, m.team_id, m.display_name, True, counts.get(m.user_id, 0))
    return [found[k] for k in sorted(found)]


async def read_action_types(
    session: AsyncSession, tenant_id: uuid.UUID, scope: Scope
) -> list[Tally]:
    """Action types with how many outcomes in scope carry each."""
    return await _tally(session, OutcomeRollup.action_type, _rollups(tenant_id, scope))


async def read_tags(session: AsyncSession, tenant_id: uuid.UUID, vis: Visibility) -> list[Tally]:
    """Feedback tags the viewer may see, with how many entries carry each."""
    tags = dialects.json_array_elements(session, FeedbackEntry.tags)
    stmt = scoped(tenant_id, vis, tags.c.value, func.count(), lateral=tags)
    rows = await session.execute(stmt.group_by(tags.c.value).order_by(tags.c.value))
    return [Tally(str(tag), int(n)) for tag, n in rows]


async def read_triggers(session: AsyncSession, tenant_id: uuid.UUID, scope: Scope) -> list[Tally]:
    """Escalation triggers (``metadata.trigger``) in scope, with how often each fired."""
    trigger = func.coalesce(OutcomeRecord.meta["trigger"].as_string(), NO_TRIGGER)
    inner = outcomes_in(select(trigger.label("trigger")), tenant_id, scope)
    rows_q = inner.where(OutcomeRecord.outcome_type == OutcomeType.ESCALATION.value).subquery()
    stmt = select(rows_q.c.trigger, func.count()).group_by(rows_q.c.trigger)
    rows = await session.execute(stmt.order_by(rows_q.c.trigger))
    return [Tally(str(name), int(n)) for name, n in rows]


def _whole(scope: Scope) -> bool:
    return scope.rep_id is None and scope.team_id is None
