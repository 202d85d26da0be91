"""Exactly once under contention (PostgreSQL): API signals and two detection runs race over
2,000 pending outcomes; each is resolved once and the calibration sums stay exact."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import numpy as np
import pytest
from sqlalchemy import func, select

from hindsight.db.models import CalibrationBin, OutcomeRecord, OutcomeRollup
from hindsight.domain.calibration.bins import bin_index
from hindsight.domain.enums import OutcomeType
from hindsight.domain.outcomes import detection
from hindsight.domain.outcomes import lookup as outcomes
from hindsight.workers.jobs import run_detection_job
from tests.api.factories import signal
from tests.conftest import Api, Tenant

N, CONVERSATIONS = 2000, 200


async def _seed(api: Api, tenant_id: uuid.UUID, start: dt.datetime) -> None:
    rng = np.random.default_rng(11)
    confidences = rng.uniform(0, 1, N).round(3)

    async def chunk(session, lo: int) -> None:  # type: ignore[no-untyped-def]
        for i in range(lo, min(lo + 250, N)):
            new = outcomes.NewOutcome(
                action_type=f"act-{i % 3}",
                outcome_type=OutcomeType.IMMEDIATE_RESPONSE,
                predicted_confidence=float(confidences[i]),
                conversation_id=f"conv-{i % CONVERSATIONS}",
                rep_id=f"rep-{i % 7}",
            )
            await outcomes.record_outcome(
                session, tenant_id, new, rules=api.services.rules, now=start
            )

    for lo in range(0, N, 250):
        await api.services.db.run(tenant_id, lambda s, lo=lo: chunk(s, lo))


async def test_signals_and_two_detectors_resolve_each_outcome_once(tenant: Tenant) -> None:
    api = tenant.api
    if not api.backend.is_postgres:
        pytest.skip("SQLite serialises writers; the race is only meaningful on PostgreSQL")
    start = api.clock.now - dt.timedelta(hours=30)
    await _seed(api, tenant.id, start)
    limit = asyncio.Semaphore(16)

    async def reply(c: int) -> int:
        async with limit:
            result = await signal(
                tenant,
                "CUSTOMER_REPLIED",
                conversationId=f"conv-{c}",
                occurredAt=start + dt.timedelta(hours=1),
            )
            return len(result["resolved"])

    def detector() -> asyncio.Task[object]:
        return asyncio.ensure_future(
            run_detection_job(
                api.services.db,
                "window_end",
                rules=api.services.rules,
                clock=api.services.clock,
                batch_size=40,
                tenants=[tenant.id],
            )
        )

    results = await asyncio.gather(
        detector(), *(reply(c) for c in range(CONVERSATIONS)), detector()
    )
    by_detectors = results[0].resolved + results[-1].resolved  # type: ignore[attr-defined]
    assert by_detectors + sum(results[1:-1]) == N  # type: ignore[arg-type]
    await _assert_consistent(api, tenant.id)


async def _assert_consistent(api: Api, tenant_id: uuid.UUID) -> None:
    async with api.services.db.session(tenant_id) as session:
        rows = (
            await session.execute(
                select(
                    OutcomeRecord.action_type,
                    OutcomeRecord.predicted_confidence,
                    OutcomeRecord.status,
                ).where(OutcomeRecord.tenant_id == tenant_id)
            )
        ).all()
        bins = {
            (b.action_type, b.bin): b
            for b in await session.scalars(
                select(CalibrationBin).where(CalibrationBin.tenant_id == tenant_id)
            )
        }
        rollup = dict(
            (
                await session.execute(
                    select(OutcomeRollup.status, func.sum(OutcomeRollup.count))
                    .where(OutcomeRollup.tenant_id == tenant_id)
                    .group_by(OutcomeRollup.status)
                )
            ).all()
        )
    assert len(rows) == N and all(status != "PENDING" for _, _, status in rows)
    expected: dict[tuple[str, int], list[float]] = {}
    for action, p, status in rows:
        y = 1.0 if status == "POSITIVE" else 0.0
        sums = expected.setdefault((action, bin_index(p)), [0, 0.0, 0.0, 0.0, 0.0])
        for i, v in enumerate((1, p, p * p, y, p * y)):
            sums[i] += v
    assert set(bins) == set(expected)
    for key, (n, sp, sp2, sy, spy) in expected.items():
        b = bins[key]
        assert b.count == n
        assert np.allclose(
            [b.sum_p, b.sum_p2, b.sum_y, b.sum_py], [sp, sp2, sy, spy], rtol=1e-12, atol=1e-9
        )
    statuses = {s: sum(1 for *_, st in rows if st == s) for s in ("POSITIVE", "NEGATIVE")}
    assert rollup.get("PENDING", 0) == 0
    assert {s: rollup.get(s, 0) for s in statuses} == statuses


async def test_safety_net_jobs_leave_ended_windows_to_the_window_end_job(tenant: Tenant) -> None:
    """A safety-net job holding its claimed rows must not make the window-end job skip one."""
    api = tenant.api
    if not api.backend.is_postgres:
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite has one writer at a time")
    services = api.services
    new = outcomes.NewOutcome(
        action_type="a",
        outcome_type=OutcomeType.IMMEDIATE_RESPONSE,
        predicted_confidence=0.5,
        conversation_id="c-ended",
    )
    start = api.clock.now - dt.timedelta(hours=30)
    await services.db.run(
        tenant.id,
        lambda s: outcomes.record_outcome(s, tenant.id, new, rules=services.rules, now=start),
    )
    session = services.db.session(tenant.id)
    async with session, session.begin():  # the immediate job mid-batch, its claims locked
        await detection.detect_batch(
            session,
            tenant.id,
            detection.JOBS["immediate"],
            rules=services.rules,
            now=api.clock.now,
            after=None,
            batch_size=10,
        )
        report = await run_detection_job(
            services.db,
            "window_end",
            rules=services.rules,
            clock=services.clock,
            tenants=[tenant.id],
        )
    assert report.by_status == {"NEGATIVE": 1}
