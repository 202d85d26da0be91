"""Signals from the CRM and the conversation; each resolves the pending outcomes it decides.

A signal is always stored. It resolves outcomes whose window contains its ``occurred_at``,
now or later: an outcome recorded afterwards with a past ``occurredAt`` (a late upload)
picks up the signals already stored inside its window. A signal older than an outcome's
creation never counts for it, so a reply for an unknown conversation cannot resolve an
action the agent takes later.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db import dialects
from hindsight.db.models import OutcomeRecord, Signal
from hindsight.domain import tenants, validation
from hindsight.domain.enums import DEAL_KINDS, OutcomeStatus, OutcomeType, SignalKind
from hindsight.domain.errors import NotFound, ValidationFailed
from hindsight.domain.outcomes import once, resolution
from hindsight.domain.outcomes.rules import AFFECTS, OutcomeRules
from hindsight.domain.outcomes.writes import check_batch_size

SIGNALS = cast(Table, Signal.__table__)  # the declarative class's Core table


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
    idempotency_key: str | None = None


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


def lock_names(tenant_id: uuid.UUID, news: Sequence[NewSignal]) -> list[str]:
    """The locks ``record_signals`` takes for these inputs (``resolution.meet``), for a hot
    unit to take as it begins; an invalid input takes none."""
    matches = []
    for new in news:
        try:
            matches.append(_match_key(new))
        except ValidationFailed:
            continue
    return resolution.lock_names(tenant_id, matches)


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
            "idempotency_key": validation.identifier(new.idempotency_key, "idempotencyKey"),
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
    """Store signals (one INSERT; a repeated idempotency key returns the first signal and
    resolves nothing) and resolve every pending outcome they decide (one locked
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
    await resolution.meet(session, tenant_id, [(b.column, b.key) for b in batch])
    await tenants.register(session, tenant_id, now)
    stored = await once.insert_once(session, SIGNALS, tenant_id, [b.row for b in batch])
    fresh = [b for b in batch if stored[b.row["id"]]["id"] == b.row["id"]]
    owners = await _resolve(session, tenant_id, fresh, rules=rules, now=now)
    return [
        (Signal(**stored[r.row["id"]]), owners.get(r.row["id"], [])) if isinstance(r, Stored) else r
        for r in results
    ]


async def _resolve(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    fresh: list[Stored],
    *,
    rules: OutcomeRules,
    now: dt.datetime,
) -> dict[uuid.UUID, list[OutcomeRecord]]:
    """Resolve what the newly stored signals decide; a repeated idempotency key's signal
    was stored (and resolved) the first time, so it decides nothing again."""
    if not fresh:
        return {}
    candidates = await _pending_in_windows(session, tenant_id, fresh)
    resolved = await resolution.evaluate(session, tenant_id, candidates, rules=rules, now=now)
    return _owners(fresh, resolved)


def _owners(
    batch: list[Stored], resolved: list[OutcomeRecord]
) -> dict[uuid.UUID, list[OutcomeRecord]]:
    """Which signal of the batch each resolved outcome is reported under: the one its
    resolution cites, else the first (in input order) that could decide it."""
    ids = {b.row["id"] for b in batch}
    index = _by_match(batch)
    owners: dict[uuid.UUID, list[OutcomeRecord]] = defaultdict(list)
    for outcome in resolved:
        owner = outcome.resolved_by_signal_id
        if owner not in ids:
            deciding = (b for b in _matching(index, outcome) if b.can_decide(outcome))
            owner = next((b.row["id"] for b in sorted(deciding, key=batch.index)), None)
        if owner is not None:
            owners[owner].append(outcome)
    return owners


async def _pending_in_windows(
    session: AsyncSession, tenant_id: uuid.UUID, batch: list[Stored]
) -> list[OutcomeRecord]:
    """Pending outcomes some signal of the batch can decide, locked in id order (one lock
    order for all writers); the query reads a superset, the signals' own rules narrow it."""
    by: dict[str, set[str]] = {"conversation_id": set(), "deal_id": set()}
    for b in batch:
        by[b.column].add(b.key)
    occurred = [b.row["occurred_at"] for b in batch]
    params = {
        "tenant": tenant_id,
        "conversations": sorted(by["conversation_id"]),
        "deals": sorted(by["deal_id"]),
        "affected": sorted({t.value for b in batch for t in AFFECTS[b.kind]}),
        "latest": max(occurred),
        "earliest": min(occurred),
    }
    shape = (dialects.dialect_of(session), bool(by["conversation_id"]), bool(by["deal_id"]))
    rows = await session.scalars(_pending_statement(*shape), params)
    index = _by_match(batch)
    return [o for o in rows if any(b.can_decide(o) for b in _matching(index, o))]


@functools.cache
def _pending_statement(dialect: str, conversations: bool, deals: bool) -> Any:
    """Built once per shape (expanding parameters), so SQLAlchemy compiles it once."""
    matches = [
        column.in_(bindparam(name, expanding=True))
        for column, name, wanted in (
            (OutcomeRecord.conversation_id, "conversations", conversations),
            (OutcomeRecord.deal_id, "deals", deals),
        )
        if wanted
    ]
    stmt = (
        select(OutcomeRecord)
        .where(
            OutcomeRecord.tenant_id == bindparam("tenant"),
            or_(*matches),
            OutcomeRecord.status == OutcomeStatus.PENDING.value,
            OutcomeRecord.outcome_type.in_(bindparam("affected", expanding=True)),
            OutcomeRecord.created_at <= bindparam("latest"),
            OutcomeRecord.window_ends_at >= bindparam("earliest"),
        )
        .order_by(OutcomeRecord.id)
    )
    return stmt.with_for_update() if dialect == "postgresql" else stmt


def _by_match(batch: list[Stored]) -> dict[tuple[str, str], list[Stored]]:
    """The batch's signals by what they match, so each outcome meets only its own."""
    index: dict[tuple[str, str], list[Stored]] = defaultdict(list)
    for b in batch:
        index[b.column, b.key].append(b)
    return index


def _matching(index: dict[tuple[str, str], list[Stored]], o: OutcomeRecord) -> list[Stored]:
    found = index.get(("conversation_id", o.conversation_id), [])
    return found + index.get(("deal_id", o.deal_id or ""), []) if o.deal_id else found


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
