"""The demo's bulk path: its planned weeks are written slice by slice of simulated time
through the set-based domain functions behind ``recordOutcomes`` / ``recordSignals`` — the
same rules and validation as the API, a few statements per slice instead of a transaction
per row.

Within a slice, outcomes go first, as late uploads (``occurred_at`` = when the agent acted),
then the slice's signals: an outcome only ever sees signals inside its own window, which
opens when it was recorded, so this decides exactly what time order would. Each slice is
written "as of" its end, so a resolution is dated at most one slice after its signal; the
detection jobs then run as of that end too, as the schedule would have, so an outcome whose
window ended unanswered resolves NEGATIVE then, not all at once on the last day (the drift
monitors read resolutions in the order they happened)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.demo.progress import Progress
from hindsight.domain.clock import FrozenClock
from hindsight.domain.errors import ValidationFailed
from hindsight.domain.outcomes import lookup as outcomes
from hindsight.domain.outcomes import signals
from hindsight.services import Services
from hindsight.workers.jobs import run_all_detection

SLICE = dt.timedelta(hours=12)
BATCH = 500  # the batch functions' limit


def slices(steps: Sequence[Any]) -> list[list[Any]]:
    """``steps`` (time-ordered, each with ``at``) cut into consecutive SLICE-long runs."""
    if not steps:
        return []
    start, cut = steps[0].at, list[tuple[int, list[Any]]]()
    for step in steps:
        index = int((step.at - start) / SLICE)
        if not cut or index != cut[-1][0]:
            cut.append((index, []))
        cut[-1][1].append(step)
    return [piece for _, piece in cut]


async def replay(
    services: Services, tenant: uuid.UUID, steps: Sequence[Any], progress: Progress
) -> None:
    for piece in slices(steps):
        write = functools.partial(_write, services=services, tenant=tenant, piece=piece)
        await services.db.run(tenant, write)
        as_of = FrozenClock(max(step.at for step in piece))
        await run_all_detection(services.db, rules=services.rules, clock=as_of, tenants=[tenant])
        progress.advance(len(piece))


async def _write(
    session: AsyncSession, services: Services, tenant: uuid.UUID, piece: list[Any]
) -> None:
    now = max(step.at for step in piece)
    acted = [
        dataclasses.replace(step.work, occurred_at=step.at)
        for step in piece
        if isinstance(step.work, outcomes.NewOutcome)
    ]
    heard = [
        dataclasses.replace(step.work, occurred_at=step.at)
        for step in piece
        if isinstance(step.work, signals.NewSignal)
    ]
    for i in range(0, len(acted), BATCH):
        _valid(
            await outcomes.record_outcomes(
                session, tenant, acted[i : i + BATCH], rules=services.rules, now=now
            )
        )
    for i in range(0, len(heard), BATCH):
        _valid(
            await signals.record_signals(
                session, tenant, heard[i : i + BATCH], rules=services.rules, now=now
            )
        )


def _valid(results: Sequence[object]) -> None:
    """The demo's own plan must pass the API's validation; say which item did not."""
    for result in results:
        if isinstance(result, ValidationFailed):
            raise RuntimeError(f"demo input refused: {result}")
