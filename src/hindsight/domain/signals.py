"""Signals from the CRM and the conversation; each resolves the pending outcomes it decides.

A signal is always stored. It resolves outcomes whose window contains its ``occurred_at``,
now or later: an outcome recorded afterwards with a past ``occurredAt`` (a late upload)
picks up the signals already stored inside its window. A signal older than an outcome's
creation never counts for it, so a reply for an unknown conversation cannot resolve an
action the agent takes later.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db import dialects
from hindsight.db.models import OutcomeRecord, Signal
from hindsight.domain import resolution, tenants, validation
from hindsight.domain.enums import DEAL_KINDS, OutcomeStatus, OutcomeType, SignalKind
from hindsight.domain.errors import NotFound, ValidationFailed
from hindsight.domain.outcome_writes import check_batch_size
from hindsight.domain.rules import AFFECTS, OutcomeRules


@dataclass(frozen=True)
class NewSignal:
    kind: SignalKind
    conversation_id: str | None = None
    deal_id: str | None = None
    occurred_at: dt.datetime | None = None
    from_stage: str | None = None
    to_stage: str | None = None
    helpful: bool | None = None
    payload: dict[str, Any] | None = None


def _payload(new: NewSignal, rules: OutcomeRules) -> dict[str, Any]:
    payload = dict(validation.json_object(new.payload, "payload") or {})
    if new.kind == SignalKind.DEAL_STAGE_CHANGED:
        stages = ", ".join(rules.stages)
        for field, stage in (("fromStage", new.from_stage), ("toStage", new.to_stage)):
            if not stage:
                raise ValidationFailed(field, "is required for DEAL_STAGE_CHANGED")
            if stage.upper() not in rules.stages:
                raise ValidationFailed(field, f"unknown stage {stage!r}; known: {stages}")
            payload[field] = stage.upper()
    if new.kind == SignalKind.ESCALATION_RESOLVED:
        if new.helpful is None:
            raise ValidationFailed("helpful", "is required for ESCALATION_RESOLVED")
        payload["helpful"] = new.helpful
    return payload


def _match_key(new: NewSignal) -> tuple[str, str]:
    """Deal kinds match outcomes by deal, every other kind by conversation."""
    if new.kind in DEAL_KINDS:
        deal = validation.identifier(new.deal_id, "dealId")
        if deal is None:
            raise ValidationFailed("dealId", f"is required for {new.kind.value}")
        return "deal_id", deal
    conversation = validation.identifier(new.conversation_id, "conversationId")
    if conversation is None:
        raise ValidationFailed("conversationId", f"is required for {new.kind.value}")
    return "conversation_id", conversation


@dataclass(frozen=True)
class Stored:
    """A validated signal row and the outcomes it can match (by deal or conversation)."""

    row: dict[str, Any]
    kind: SignalKind
    column: str
    key: str

    def can_decide(self, outcome: OutcomeRecord) -> bool:
        occurred_at = self.row["occurred_at"]
        return (
            getattr(outcome, self.column) == self.key
            and OutcomeType(outcome.outcome_type) in AFFECTS[self.kind]
            and outcome.created_at <= occurred_at <= outcome.window_ends_at
        )


def _stored_or_error(
    new: NewSignal, tenant_id: uuid.UUID, rules: OutcomeRules, now: dt.datetime
) -> Stored | ValidationFailed:
    try:
        column, key = _match_key(new)
        row = {
            "tenant_id": tenant_id,
            "id": uuid.uuid4(),
            "kind": new.kind.value,
            "conversation_id": validation.identifier(new.conversation_id, "conversationId"),
            "deal_id": validation.identifier(new.deal_id, "dealId"),
            "payload": _payload(new, rules),
            "occurred_at": validation.past_time(
                new.occurred_at, "occurredAt", now=now, skew=rules.clock_skew
            ),
            "recorded_at": now,
        }
    except ValidationFailed as error:
        return error
    return Stored(row, new.kind, column, key)


async def record_signal(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    new: NewSignal,
    *,
    rules: OutcomeRules,
    now: dt.datetime,
) -> tuple[Signal, list[OutcomeRecord]]:
    """Store the signal and resolve, in this transaction, every pending outcome it decides."""
    [result] = await record_signals(session, tenant_id, [new], rules=rules, now=now)
    if isinstance(result, ValidationFailed):
        raise result
    return result


async def record_signals(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    news: Sequence[NewSignal],
    *,
    rules: OutcomeRules,
    now: dt.datetime,
) -> list[tuple[Signal, list[OutcomeRecord]] | ValidationFailed]:
    """Store signals (one INSERT) and resolve every pending outcome they decide (one locked
    read, one resolution pass); one result per input, in order: the signal and the
    outcomes it resolved, or the input's ``ValidationFailed``.

    The batch is decided as if all its signals had been stored before any was evaluated,
    so an outcome two of them decide is resolved once, by the rules over both.
    """
    check_batch_size(len(news))
    results: list[Any] = [_stored_or_error(new, tenant_id, rules, now) for new in news]
    batch = [r for r in results if isinstance(r, Stored)]
    if not batch:
        return results
    await tenants.register(session, tenant_id, now)
    await session.execute(Signal.__table__.insert(), [b.row for b in batch])
    candidates = await _pending_in_windows(session, tenant_id, batch)
    resolved = await resolution.evaluate(session, tenant_id, candidates, rules=rules, now=now)
    owners = _owners(batch, resolved)
    return [
        (Signal(**r.row), owners.get(r.row["id"], [])) if isinstance(r, Stored) else r
        for r in results
    ]


def _owners(
    batch: list[Stored], resolved: list[OutcomeRecord]
) -> dict[uuid.UUID, list[OutcomeRecord]]:
    """Which signal of the batch each resolved outcome is reported under: the one its
    resolution cites, else the first (in input order) that could decide it."""
    ids = {b.row["id"] for b in batch}
    owners: dict[uuid.UUID, list[OutcomeRecord]] = defaultdict(list)
    for outcome in resolved:
        owner = outcome.resolved_by_signal_id
        if owner not in ids:
            owner = next((b.row["id"] for b in batch if b.can_decide(outcome)), None)
        if owner is not None:
            owners[owner].append(outcome)
    return owners


async def _pending_in_windows(
    session: AsyncSession, tenant_id: uuid.UUID, batch: list[Stored]
) -> list[OutcomeRecord]:
    """Pending outcomes some signal of the batch can decide, locked in id order (one lock
    order for all writers); the query reads a superset, the signals' own rules narrow it."""
    o = OutcomeRecord
    by = {"conversation_id": set(), "deal_id": set()}  # type: dict[str, set[str]]
    for b in batch:
        by[b.column].add(b.key)
    matches = [getattr(o, col).in_(sorted(keys)) for col, keys in by.items() if keys]
    occurred = [b.row["occurred_at"] for b in batch]
    affected = sorted({t.value for b in batch for t in AFFECTS[b.kind]})
    stmt = (
        select(o)
        .where(
            o.tenant_id == tenant_id,
            or_(*matches),
            o.status == OutcomeStatus.PENDING.value,
            o.outcome_type.in_(affected),
            o.created_at <= max(occurred),
            o.window_ends_at >= min(occurred),
        )
        .order_by(o.id)
    )
    rows = await session.scalars(dialects.lock(session, stmt))
    return [outcome for outcome in rows if any(b.can_decide(outcome) for b in batch)]


async def read_signal(session: AsyncSession, tenant_id: uuid.UUID, signal_id: str) -> Signal:
    """One stored signal of the tenant, or ``NotFound``."""
    try:
        key = uuid.UUID(signal_id)
    except ValueError:
        raise NotFound(signal_id, "no signal with this id") from None
    found: Signal | None = await session.get(Signal, (tenant_id, key))
    if found is None or found.tenant_id != tenant_id:
        raise NotFound(signal_id, "no signal with this id")
    return found
