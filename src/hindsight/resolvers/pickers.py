"""Picker resolvers: teams, a team, reps, action types, feedback tags, escalation triggers.

Each lists only what the viewer's outcome scope covers (docs/operations/security.md): the tenant for
AGENT, EXECUTIVE, ANALYST and ADMIN; a MANAGER's own team; a REP's own team and self.
They return the directory's values (team ids, members, reps, tallies); the schema maps them.
"""

from __future__ import annotations

import functools

from hindsight.context import Context
from hindsight.domain import directory
from hindsight.domain.errors import NotFound
from hindsight.domain.feedback import reads
from hindsight.resolvers.common import authorize, read_in_tenant


async def teams(ctx: Context, field: str = "teams") -> list[str]:
    """The ids of the teams the viewer may see, checked against the right to ``field``."""
    scope, tenant_id = (await authorize(ctx, field)).scope, ctx.viewer.tenant_id
    return await read_in_tenant(ctx, lambda s: directory.read_team_ids(s, tenant_id, scope))


async def team(ctx: Context, team_id: str) -> str:
    """``team_id`` itself; NOT_FOUND for a team outside the viewer's scope or one nothing names."""
    if team_id not in await teams(ctx, "team"):
        raise NotFound(team_id, "no team with this id")
    return team_id


async def team_members(ctx: Context, team_id: str) -> list[directory.Member]:
    """``Team.members``: the teams of one request share one query; the schema maps them."""
    loader = ctx.loader("team_members", functools.partial(_members_of, ctx))
    return await loader.load(team_id)


async def _members_of(ctx: Context, team_ids: list[str]) -> list[list[directory.Member]]:
    tenant_id = ctx.viewer.tenant_id
    rows = await read_in_tenant(ctx, lambda s: directory.read_members(s, tenant_id, team_ids))
    return [[m for m in rows if m.team_id == t] for t in team_ids]


async def reps(ctx: Context) -> list[directory.Rep]:
    scope, tenant_id = (await authorize(ctx, "reps")).scope, ctx.viewer.tenant_id
    return await read_in_tenant(ctx, lambda s: directory.read_reps(s, tenant_id, scope))


async def rep(ctx: Context, rep_id: str) -> directory.Rep:
    found = next((r for r in await reps(ctx) if r.rep_id == rep_id), None)
    if found is None:
        raise NotFound(rep_id, "no rep with this id")
    return found


async def action_types(ctx: Context) -> list[directory.Tally]:
    """Each action type with the outcomes recorded with it."""
    scope, tenant_id = (await authorize(ctx, "actionTypes")).scope, ctx.viewer.tenant_id
    return await read_in_tenant(ctx, lambda s: directory.read_action_types(s, tenant_id, scope))


async def action_type(ctx: Context, name: str) -> directory.Tally:
    found = next((a for a in await action_types(ctx) if a.name == name), None)
    if found is None:
        raise NotFound(name, "no action type with this name")
    return found


async def feedback_tags(ctx: Context) -> list[directory.Tally]:
    """Each tag with the feedback entries the viewer may see that carry it."""
    vis, tenant_id = reads.visibility(await authorize(ctx, "feedbackTags")), ctx.viewer.tenant_id
    return await read_in_tenant(ctx, lambda s: directory.read_tags(s, tenant_id, vis))


async def escalation_triggers(ctx: Context) -> list[directory.Tally]:
    """Each escalation trigger with the ESCALATION outcomes it fired."""
    scope, tenant_id = (await authorize(ctx, "escalationTriggers")).scope, ctx.viewer.tenant_id
    return await read_in_tenant(ctx, lambda s: directory.read_triggers(s, tenant_id, scope))


async def member(ctx: Context, user_id: str) -> directory.Member:
    """A directory entry, if it belongs to a team the viewer may see."""
    visible = await teams(ctx, "team")
    tenant_id = ctx.viewer.tenant_id
    rows = await read_in_tenant(ctx, lambda s: directory.read_members(s, tenant_id, visible))
    found = next((m for m in rows if m.user_id == user_id), None)
    if found is None:
        raise NotFound(user_id, "no team member with this id")
    return found
