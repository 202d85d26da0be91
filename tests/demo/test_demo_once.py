"""``hindsight demo`` loads a tenant once: run again it says so and changes nothing;
``--reset`` replaces the data with the same story."""

from __future__ import annotations

from sqlalchemy import func, select

from hindsight.db.models import FeedbackEntry, OutcomeRecord, Signal
from hindsight.demo.run import run_demo
from tests.conftest import Tenant

CURVES = "{ calibrationCurves { actionType sampleCount multiplier } }"


async def _footprint(tenant: Tenant) -> tuple[object, ...]:
    async def count(session, model) -> int:  # type: ignore[no-untyped-def]
        query = select(func.count()).select_from(model).where(model.tenant_id == tenant.id)
        return int((await session.execute(query)).scalar_one())

    counts = [
        await tenant.api.services.db.run(tenant.id, lambda s, m=model: count(s, m))
        for model in (OutcomeRecord, Signal, FeedbackEntry)
    ]
    curves = await tenant.api.gql(CURVES, token=tenant.token())
    return (*counts, curves)


async def test_a_second_demo_changes_nothing_and_reset_replaces(tenant: Tenant) -> None:
    settings = tenant.api.backend.settings
    first = await run_demo(settings, tenant=tenant.id, n=60, seed=3)
    assert first[0].startswith(f"demo data loaded in tenant {tenant.id}")
    loaded = await _footprint(tenant)
    assert loaded[0] and loaded[1]  # outcomes and signals were written

    again = await run_demo(settings, tenant=tenant.id, n=60, seed=3)
    assert again == [
        f"tenant {tenant.id} already has {loaded[0]} outcomes: nothing changed "
        "(run `hindsight demo --reset` to replace them)"
    ]
    assert await _footprint(tenant) == loaded

    replaced = await run_demo(settings, tenant=tenant.id, n=60, seed=3, reset=True)
    assert replaced[0].startswith(f"demo data replaced in tenant {tenant.id}")
    assert (await _footprint(tenant))[:3] == loaded[:3]  # the same story, not twice


async def test_serve_demo_fills_only_an_empty_tenant(tenant: Tenant) -> None:
    settings = tenant.api.backend.settings
    await run_demo(settings, tenant=tenant.id, n=30, seed=5)
    before = await _footprint(tenant)
    lines = await run_demo(settings, tenant=tenant.id, only_if_empty=True)
    assert lines == [f"demo tenant {tenant.id} already has {before[0]} outcomes; serving them"]
    assert await _footprint(tenant) == before
