"""The demo's bulk path decides every outcome exactly as replaying its plan one row at a
time, in time order, through recordOutcome / recordSignal would."""

from __future__ import annotations

import io
import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db.models import OutcomeRecord
from hindsight.demo.progress import Progress
from hindsight.demo.replay import SLICE, replay, slices
from hindsight.demo.simulation import plan
from hindsight.domain.outcomes import lookup as outcomes
from hindsight.domain.outcomes import signals
from hindsight.services import Services
from hindsight.workers.jobs import run_all_detection
from tests.conftest import Tenant


async def _one_by_one(services: Services, tenant: uuid.UUID, steps: list) -> None:  # type: ignore[type-arg]
    """The reference: each step in its own transaction, as of its own time."""
    for step in steps:

        async def write(session: AsyncSession, step=step) -> None:  # type: ignore[no-untyped-def]
            if isinstance(step.work, outcomes.NewOutcome):
                await outcomes.record_outcome(
                    session, tenant, step.work, rules=services.rules, now=step.at
                )
            else:
                await signals.record_signal(
                    session, tenant, step.work, rules=services.rules, now=step.at
                )

        await services.db.run(tenant, write)


async def _decided(services: Services, tenant: uuid.UUID) -> dict[tuple[str, str], int]:
    await run_all_detection(
        services.db, rules=services.rules, clock=services.clock, tenants=[tenant]
    )

    async def count(session: AsyncSession) -> dict[tuple[str, str], int]:
        rows = await session.execute(
            select(OutcomeRecord.action_type, OutcomeRecord.status, func.count())
            .where(OutcomeRecord.tenant_id == tenant)
            .group_by(OutcomeRecord.action_type, OutcomeRecord.status)
        )
        return {(action, status): n for action, status, n in rows.all()}

    return await services.db.run(tenant, count)


async def test_bulk_replay_decides_like_one_by_one(tenant: Tenant) -> None:
    services = tenant.api.services
    steps = plan(120, seed=13, now=services.now())
    bulk, reference = tenant.id, uuid.uuid4()
    await replay(services, bulk, steps, Progress(len(steps), "demo", io.StringIO()))
    await _one_by_one(services, reference, steps)
    decided = await _decided(services, bulk)
    assert decided == await _decided(services, reference)
    assert sum(n for (_, status), n in decided.items() if status != "PENDING") > 50


def test_slices_keep_time_order_and_cover_every_step() -> None:
    import datetime as dt

    steps = plan(200, seed=3, now=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    pieces = slices(steps)
    assert [s for piece in pieces for s in piece] == steps
    for piece in pieces:
        assert piece[-1].at - piece[0].at < SLICE
    assert len(pieces) > 10
