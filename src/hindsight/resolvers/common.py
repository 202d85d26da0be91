"""Helpers every resolver uses: the viewer's tenant transaction and the page-size cap."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.domain.errors import ValidationFailed
from hindsight.schema.context import Context
from hindsight.schema.types import NotFoundError, ValidationError

T = TypeVar("T")


async def in_tenant(ctx: Context, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one transaction scoped to the viewer's tenant."""
    return await ctx.services.db.run(ctx.viewer.tenant_id, work)


async def read_in_tenant(ctx: Context, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one read-only transaction scoped to the viewer's tenant."""
    return await ctx.services.db.run(ctx.viewer.tenant_id, work, readonly=True)


def page_size(ctx: Context, first: int) -> int:
    cap = ctx.services.settings.max_page_size
    if not 1 <= first <= cap:
        raise ValidationFailed("first", f"must be between 1 and {cap}")
    return first


def validation_error(error: ValidationFailed) -> ValidationError:
    return ValidationError(field=error.field, message=error.message)


def not_found(id: str, message: str) -> NotFoundError:
    from strawberry import ID

    return NotFoundError(id=ID(id), message=message)
