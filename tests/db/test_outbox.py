"""The outbox (docs/concepts/events.md) on both backends: a change and its events commit together or
not at all, in one INSERT per transaction; the prune removes only what is past the retention,
tenant by tenant; cursors round-trip and nothing else parses as one."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db import outbox
from hindsight.db.outbox import Position
from hindsight.domain import events as topics
from hindsight.domain.events import emit
from hindsight.workers.outbox_jobs import run_outbox_prune
from tests.api.factories import record
from tests.conftest import Tenant, sql_statements
from tests.live.client import eventually


async def logged(tenant: Tenant, count: int) -> list[outbox.Entry]:
    """The tenant's outcome events once ``count`` are readable. On PostgreSQL a committed
    row waits while any older transaction of the cluster still runs (another test's)."""
    db, found = tenant.api.services.db, []

    async def read() -> bool:
        nonlocal found
        page = await db.run(
            tenant.id,
            lambda s: outbox.read(s, tenant.id, topics.OUTCOMES, outbox.START),
            readonly=True,
        )
        found = page.entries
        return len(found) >= count and not page.held

    await eventually(read, within=30)
    return found


async def test_each_event_is_written_with_its_change_in_one_insert(tenant: Tenant) -> None:
    with sql_statements(tenant.api) as statements:
        outcome = await record(tenant, repId="rep-a")
    assert sum("INSERT INTO outbox" in sql for sql in statements) == 1
    [entry] = await logged(tenant, 1)
    assert entry.message["outcomeId"] == outcome["id"]
    assert entry.message["kind"] == "RECORDED" and entry.message["id"]


async def test_a_rolled_back_change_leaves_no_event(tenant: Tenant) -> None:
    async def fails(session: AsyncSession) -> None:
        emit(session, topics.OUTCOMES, {"kind": "RECORDED", "outcomeId": "x"})
        raise RuntimeError("the change fails")

    with pytest.raises(RuntimeError):
        await tenant.api.services.db.run(tenant.id, fails)
    outcome = await record(tenant)
    assert [e.message["outcomeId"] for e in await logged(tenant, 1)] == [outcome["id"]]


async def test_events_are_read_back_in_commit_order(tenant: Tenant) -> None:
    ids = [(await record(tenant))["id"] for _ in range(3)]
    entries = await logged(tenant, 3)
    assert [e.message["outcomeId"] for e in entries] == ids
    positions = [e.position.key for e in entries]
    assert positions == sorted(positions) and len(set(positions)) == 3


async def test_the_prune_removes_only_events_past_the_retention(tenant: Tenant) -> None:
    api = tenant.api
    other = Tenant(uuid.uuid4(), api)
    await record(tenant)
    await record(other)
    await logged(other, 1)
    retention = api.services.settings.event_retention
    clock = lambda: dt.datetime.now(dt.UTC) + retention + dt.timedelta(minutes=1)  # noqa: E731
    await record(tenant)  # written now, like the others: the clock moves only for the prune
    settings = api.services.settings
    pruned = await run_outbox_prune(
        api.services.db, settings=settings, clock=clock, tenants=[tenant.id]
    )
    assert pruned == 2
    await record(tenant)
    assert len(await logged(tenant, 1)) == 1  # the two before are gone
    assert len(await logged(other, 1)) == 1  # another tenant's rows are its own prune's
    keep = lambda: dt.datetime.now(dt.UTC)  # noqa: E731
    assert await run_outbox_prune(api.services.db, settings=settings, clock=keep) == 0
    assert len(await logged(tenant, 1)) == 1


def test_a_cursor_round_trips_and_nothing_else_parses() -> None:
    position = Position(2**40, 17, 1_800_000_000)
    assert Position.parse(position.cursor()) == position
    for bad in ("", "x", "MS4y", position.cursor() + "A", "2.1.2.3", "MS4tMS4yLjM"):
        with pytest.raises(ValueError):
            Position.parse(bad)
