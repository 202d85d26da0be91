"""Importing already-resolved history (``importOutcomes``, ADMIN; docs/reference/api.md).

A CRM export older than any outcome window cannot go through ``recordOutcome`` (720 h back at
most, resolved later by signals). Here each item carries its final status and ``resolvedAt``
and is stored resolved; it feeds the calibration sums (POSITIVE/NEGATIVE) and the rollups by
the same functions live resolutions use, so every report counts it exactly as if it had
been recorded and resolved live. Set-based: one INSERT for the batch, one directory read,
one rollup and one calibration pass over all items. The same ``idempotencyKey`` imported
twice returns the first row and counts once. Valid items commit together; each invalid
item is reported with the field at fault and writes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db import dialects, maintenance
from hindsight.db.models import OutcomeRecord
from hindsight.domain import events, tenants, validation
from hindsight.domain.calibration import bins as calibration_bins
from hindsight.domain.calibration.curves import read_states
from hindsight.domain.drift.evalues import calibrated_q
from hindsight.domain.enums import DECIDED, OutcomeEventKind, OutcomeStatus
from hindsight.domain.errors import ValidationFailed
from hindsight.domain.outcomes import lookup as outcomes
from hindsight.domain.outcomes import resolution, rollups, writes
from hindsight.domain.outcomes.rules import OUTCOME_TYPES, OutcomeRules

MAX_ITEMS = 500
FINAL = (
    OutcomeStatus.POSITIVE,
    OutcomeStatus.NEGATIVE,
    OutcomeStatus.AMBIGUOUS,
    OutcomeStatus.EXPIRED,
)
MAX_REASON = 2000
IMPORTED = "imported"
EXPIRING = ", ".join(t.value for t, rule in OUTCOME_TYPES.items() if rule.expires)


@dataclass(frozen=True)
class PastOutcome:
    """An outcome as a CRM export knows it: what the agent did, when, and how it ended."""

    outcome: outcomes.NewOutcome  # its ``occurred_at`` is required here and may be any past
    status: OutcomeStatus
    resolved_at: dt.datetime
    reason: str | None = None


Result = OutcomeRecord | ValidationFailed


def _row(item: PastOutcome, rules: OutcomeRules, now: dt.datetime) -> dict[str, Any]:
    """The validated row of one item, or ``ValidationFailed`` naming the field."""
    if item.outcome.occurred_at is None:
        raise ValidationFailed("occurredAt", "is required for an imported outcome")
    skew = rules.clock_skew
    created_at = validation.past_time(item.outcome.occurred_at, "occurredAt", now=now, skew=skew)
    resolved_at = validation.past_time(item.resolved_at, "resolvedAt", now=now, skew=skew)
    if resolved_at < created_at:
        raise ValidationFailed("resolvedAt", "lies before occurredAt")
    status = OutcomeStatus(item.status)
    if status not in FINAL:
        raise ValidationFailed("status", "must be POSITIVE, NEGATIVE, AMBIGUOUS or EXPIRED")
    if status == OutcomeStatus.EXPIRED and not OUTCOME_TYPES[item.outcome.outcome_type].expires:
        raise ValidationFailed("status", f"only {EXPIRING} outcomes expire (the window-end rules)")
    if item.reason is not None and len(item.reason) > MAX_REASON:
        raise ValidationFailed("reason", f"must be at most {MAX_REASON:,} characters")
    # every other field as recordOutcome checks it (its time rule is replaced by the above)
    values = outcomes.validated(dataclasses.replace(item.outcome, occurred_at=None), rules, now)
    values["meta"] = values.pop("metadata")  # keyed by ORM attribute names
    window = rules.windows[item.outcome.outcome_type]
    return {
        **values,
        "id": uuid.uuid4(),
        "created_at": created_at,
        "window_ends_at": created_at + window,
        "status": OutcomeStatus(item.status).value,
        "recorded_at": now,
        "resolved_at": resolved_at,
        "resolution_reason": item.reason or IMPORTED,
    }


async def import_outcomes(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    items: Sequence[PastOutcome],
    *,
    rules: OutcomeRules,
    now: dt.datetime,
) -> list[Result]:
    """Store each valid item resolved; one result per item, in order (see the module doc)."""
    if len(items) > MAX_ITEMS:
        raise ValidationFailed("inputs", f"at most {MAX_ITEMS} outcomes per call")
    results: list[Result | dict[str, Any]] = []
    for item in items:
        try:
            results.append(_row(item, rules, now))
        except ValidationFailed as error:
            results.append(error)
    rows = [r for r in results if isinstance(r, dict)]
    if not rows:
        return [r for r in results if isinstance(r, ValidationFailed)]
    await tenants.register(session, tenant_id, now)
    await writes.fill_teams(session, tenant_id, rows)
    await _calibrate(session, tenant_id, rows)
    stored = await _insert(session, tenant_id, rows)
    fresh = [stored[id(r)] for r in rows if stored[id(r)].id == r["id"]]
    await _count(session, tenant_id, fresh, now)
    return [r if isinstance(r, ValidationFailed) else stored[id(r)] for r in results]


async def _calibrate(
    session: AsyncSession, tenant_id: uuid.UUID, rows: list[dict[str, Any]]
) -> None:
    """q = clamp(p·m, 0.001, 0.999) on each POSITIVE/NEGATIVE row, m the multiplier in force
    now, as a live resolution stores it: one read for the batch."""
    for row in rows:
        row["calibrated_confidence"] = None  # one multi-row INSERT: every row names it
    decided = [r for r in rows if OutcomeStatus(r["status"]) in DECIDED]
    if not decided:
        return
    states = await read_states(session, tenant_id, sorted({r["action_type"] for r in decided}))
    for row in decided:
        multiplier = states.get(row["action_type"], (1.0, None))[0]
        row["calibrated_confidence"] = calibrated_q(row["predicted_confidence"], multiplier)


async def _insert(
    session: AsyncSession, tenant_id: uuid.UUID, rows: list[dict[str, Any]]
) -> dict[int, OutcomeRecord]:
    """One INSERT … ON CONFLICT DO NOTHING for the batch; rows whose idempotency key exists
    (earlier, or earlier in this batch) map to that row. Keyed by ``id(row)``."""
    first: dict[str, dict[str, Any]] = {}
    unique = []
    for r in rows:
        key = r["idempotency_key"]
        if key is None or key not in first:
            unique.append(r)
            if key is not None:
                first[key] = r
    unique.sort(key=lambda r: (r["idempotency_key"] is None, r["idempotency_key"] or ""))
    stmt = dialects.insert(session, OutcomeRecord).values(  # in key order: one lock order
        [{"tenant_id": tenant_id, **r} for r in unique]
    )
    stmt = stmt.on_conflict_do_nothing(index_elements=["tenant_id", "idempotency_key"])
    inserted = {o.id: o for o in await session.scalars(stmt.returning(OutcomeRecord))}
    missing = [k for k, r in first.items() if r["id"] not in inserted]
    earlier = await _by_keys(session, tenant_id, missing)
    stored = {}
    for r in rows:
        key = r["idempotency_key"]
        winner = first[key] if key is not None else r
        stored[id(r)] = inserted.get(winner["id"]) or earlier[key]
    return stored


async def _by_keys(
    session: AsyncSession, tenant_id: uuid.UUID, keys: list[str]
) -> dict[str, OutcomeRecord]:
    if not keys:
        return {}
    found = await session.scalars(
        select(OutcomeRecord).where(
            OutcomeRecord.tenant_id == tenant_id, OutcomeRecord.idempotency_key.in_(keys)
        )
    )
    return {row.idempotency_key or "": row for row in found}


async def _count(
    session: AsyncSession, tenant_id: uuid.UUID, fresh: list[OutcomeRecord], now: dt.datetime
) -> None:
    """Sums and rollups as live resolutions leave them; events as live resolutions send."""
    if not fresh:
        return
    # Rollups before bins, as resolutions take them: one lock order for every writer.
    deltas = [(rollups.key_of(o, o.status), 1, o.predicted_confidence) for o in fresh]
    await rollups.apply(session, tenant_id, deltas)
    await calibration_bins.add_to_bins(
        session,
        tenant_id,
        ((o.action_type, o.predicted_confidence, OutcomeStatus(o.status)) for o in fresh),
        now,
    )
    for outcome in fresh:
        events.emit(
            session, events.OUTCOMES, resolution.outcome_event(outcome, OutcomeEventKind.RESOLVED)
        )
    await maintenance.analyze(session)
