"""The report cache across releases: an entry cached for a report of another shape (an older
release's ``ExecutiveSummary`` without a field added since) is never decoded as the new one."""

from __future__ import annotations

import dataclasses
import uuid

from hindsight.context import Context
from hindsight.domain.access import Viewer
from hindsight.domain.enums import Role
from hindsight.live.caching import cached
from hindsight.resolvers.nested import NESTED
from tests.conftest import Api


@dataclasses.dataclass
class Before:
    actions: int


@dataclasses.dataclass
class After:
    actions: int
    open_alerts: int  # added by a later release


async def test_a_report_of_a_new_shape_ignores_entries_of_the_old_one(api: Api) -> None:
    viewer = Viewer(subject="admin", tenant_id=uuid.uuid4(), role=Role.ADMIN)
    ctx = Context(services=api.services, nested=NESTED, viewer_or_none=viewer)

    async def old() -> Before:
        return Before(actions=3)

    async def new() -> After:
        return After(actions=4, open_alerts=1)

    assert await cached(ctx, "summary", {"p": 1}, Before, old) == Before(3)
    assert await cached(ctx, "summary", {"p": 1}, After, new) == After(4, 1)
    assert await cached(ctx, "summary", {"p": 1}, Before, new) == Before(3), "still cached"
