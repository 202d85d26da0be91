"""Helpers every resolver uses: the viewer's right to a field, the viewer's tenant
transaction and the page-size cap."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.context import Context
from hindsight.domain import access
from hindsight.domain.directory import teams
from hindsight.domain.enums import Role
from hindsight.domain.errors import ValidationFailed

T = TypeVar("T")


async def authorize(ctx: Context, field: str) -> access.Grant:
    """The viewer's right to the root field ``field`` (``access.RULES``), or ``Forbidden``."""
    grant = access.grant(ctx.viewer, field)
    if grant.needs_team:
        grant = access.grant(await known_viewer(ctx), field)
    return grant


async def known_viewer(ctx: Context) -> access.Viewer:
    """The viewer, with the team a MANAGER manages: the token's claim, else their
    team_members row (role MANAGER), read once and kept on the context (the request, or the
    WebSocket connection)."""
    if not _team_unknown(ctx):
        return ctx.viewer
    return await read_in_tenant(ctx, lambda s: viewer_in(s, ctx))


def _team_unknown(ctx: Context) -> bool:
    viewer = ctx.viewer
    return viewer.role == Role.MANAGER and not viewer.team and not ctx.team_looked_up


async def viewer_in(session: AsyncSession, ctx: Context) -> access.Viewer:
    """``known_viewer``, reading a MANAGER's team in ``session`` (the caller's unit of work)."""
    viewer = ctx.viewer
    if not _team_unknown(ctx):
        return viewer
    found = await teams.managed_team(session, viewer.tenant_id, viewer.subject)
    ctx.viewer_or_none, ctx.team_looked_up = dataclasses.replace(viewer, team=found), True
    return ctx.viewer


async def authorize_rep(ctx: Context, field: str, rep_id: str) -> access.Grant:
    """``authorize`` for a field about one rep, who must be within the viewer's reach: at
    most one transaction, which reads a MANAGER's own team and the rep's together."""
    grant = access.grant(ctx.viewer, field)
    if not grant.needs_rep_team(rep_id):
        grant.require_rep(rep_id)
        return grant
    return await read_in_tenant(ctx, lambda s: rep_grant(s, ctx, field, rep_id))


async def rep_grant(session: AsyncSession, ctx: Context, field: str, rep_id: str) -> access.Grant:
    """The viewer's grant to ``field`` about ``rep_id``, checked with the directory read in
    ``session``: the team a MANAGER manages (if the token does not say) and the rep's."""
    grant = access.grant(await viewer_in(session, ctx), field)
    await require_rep(session, ctx, grant, rep_id)
    return grant


async def require_rep(
    session: AsyncSession, ctx: Context, grant: access.Grant, rep_id: str
) -> None:
    """``grant.require_rep``, reading the rep's team in ``session`` when the rule needs it."""
    rep_team = None
    if grant.needs_rep_team(rep_id):
        rep_team = await teams.team_of(session, ctx.viewer.tenant_id, rep_id)
    grant.require_rep(rep_id, rep_team)


async def read_about_rep(
    ctx: Context,
    grant: access.Grant,
    rep_id: str,
    through: Callable[[Callable[[], Awaitable[T]]], Awaitable[T]],
    work: Callable[[AsyncSession], Awaitable[T]],
) -> T:
    """``work`` about a rep ``through`` a cache, in one unit of work with the permission
    check: when the check reads the directory (the rep's team, and the team a MANAGER
    manages when ``grant`` — ``access.grant``'s, no I/O — does not know it yet), it shares
    ``work``'s read-only transaction (and a cached answer is still checked first);
    otherwise no transaction on a cache hit."""
    if not grant.needs_rep_team(rep_id):
        grant.require_rep(rep_id)
        return await through(lambda: read_in_tenant(ctx, work))

    async def checked(session: AsyncSession) -> T:
        await rep_grant(session, ctx, grant.field, rep_id)
        return await through(lambda: work(session))

    return await read_in_tenant(ctx, checked)


async def directly(compute: Callable[[], Awaitable[T]]) -> T:
    """``read_about_rep``'s ``through`` for an answer that is not cached."""
    return await compute()


async def in_tenant(ctx: Context, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one transaction scoped to the viewer's tenant."""
    return await ctx.services.db.run(ctx.viewer.tenant_id, work)


async def write(ctx: Context, work: Callable[[AsyncSession], Awaitable[T]]) -> T | ValidationFailed:
    """``in_tenant`` for the mutations answering a ``…Result`` union: bad input comes back as
    a value (nothing was written), for the api field to map onto ValidationError."""
    return await _refused_as_value(in_tenant(ctx, work))


async def _refused_as_value(unit: Awaitable[T]) -> T | ValidationFailed:
    try:
        return await unit
    except ValidationFailed as error:
        return error


async def read_in_tenant(ctx: Context, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one read-only transaction scoped to the viewer's tenant."""
    return await ctx.services.db.run(ctx.viewer.tenant_id, work, readonly=True)


async def read_lean(ctx: Context, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """``read_in_tenant`` for the hot reads (``Database.read``): ``work`` uses only what
    ``db/lean.LeanSession`` offers."""
    return await ctx.services.db.lean(ctx.viewer.tenant_id, work, readonly=True)


async def write_lean(
    ctx: Context, work: Callable[[AsyncSession], Awaitable[T]], locks: list[str]
) -> T | ValidationFailed:
    """``write`` for the hot mutations (``Database.lean``; ``locks`` taken as it begins)."""
    return await _refused_as_value(ctx.services.db.lean(ctx.viewer.tenant_id, work, locks=locks))


def page_size(ctx: Context, first: int) -> int:
    cap = ctx.services.settings.max_page_size
    if not 1 <= first <= cap:
        raise ValidationFailed("first", f"must be between 1 and {cap}")
    return first
