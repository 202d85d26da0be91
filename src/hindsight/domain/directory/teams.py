"""The rep → team directory the manager views need (``setTeamMember``)."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db import dialects
from hindsight.db.models import TeamMember
from hindsight.domain import events, validation
from hindsight.domain.enums import Role


async def set_team_member(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    *,
    user_id: str,
    team_id: str,
    role: Role,
    display_name: str | None,
) -> TeamMember:
    """Create or replace one user's directory entry."""
    values = {
        "user_id": validation.identifier(user_id, "userId", required=True),
        "team_id": validation.identifier(team_id, "teamId", required=True),
        "role": Role(role).value,
        "display_name": validation.identifier(display_name, "displayName"),
    }
    stmt = dialects.insert(session, TeamMember).values(tenant_id=tenant_id, **values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["tenant_id", "user_id"],
        set_={k: stmt.excluded[k] for k in ("team_id", "role", "display_name")},
    )
    row: TeamMember | None = await session.scalar(stmt.returning(TeamMember))
    assert row is not None
    events.emit(session, events.TEAM, {"userId": row.user_id, "teamId": row.team_id})
    return row


def members(tenant_id: uuid.UUID, team_id: str) -> Select[str]:
    """The user ids of a team, as a subquery for ``column.in_(members(...))``."""
    return select(TeamMember.user_id).where(
        TeamMember.tenant_id == tenant_id, TeamMember.team_id == team_id
    )


async def team_of(session: AsyncSession, tenant_id: uuid.UUID, user_id: str) -> str | None:
    member = await session.get(TeamMember, (tenant_id, user_id))
    return member.team_id if member else None


async def managed_team(session: AsyncSession, tenant_id: uuid.UUID, user_id: str) -> str | None:
    """The team a MANAGER manages per the directory: their own row, with role MANAGER."""
    member = await session.get(TeamMember, (tenant_id, user_id))
    return member.team_id if member and member.role == Role.MANAGER else None
