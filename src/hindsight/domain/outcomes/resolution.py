"""Resolving outcomes exactly once (docs/concepts/outcomes.md).

Every path — a signal arriving, a late upload, a scheduled job, an explicit decision —
ends in ``apply_decisions``: a conditional ``UPDATE … WHERE status = 'PENDING'``, so a row
is resolved by whoever gets there first and by nobody else; only the rows that update
feed the calibration sums and rollups, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import (
    String,
    Text,
    Uuid,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db import dialects
from hindsight.db.models import CalibrationState, OutcomeRecord, Signal
from hindsight.domain import events
from hindsight.domain.calibration import bins as calibration_bins
from hindsight.domain.drift import evalues
from hindsight.domain.enums import (
    CONVERSATION_KINDS,
    DEAL_KINDS,
    DECIDED,
    OutcomeEventKind,
    OutcomeStatus,
    OutcomeType,
    SignalKind,
)
from hindsight.domain.outcomes import rollups
from hindsight.domain.outcomes.rules import (
    Decision,
    OutcomeRules,
    SignalFact,
    decide,
    decide_at_window_end,
)

PENDING = OutcomeStatus.PENDING.value


async def meet(
    session: AsyncSession, tenant_id: uuid.UUID, matches: Iterable[tuple[str, str | None]]
) -> None:
    """Serialise the outcome and signal paths per conversation and per deal, first thing in
    the transaction: of an outcome and a signal that match, whichever commits second waits
    for the first and then sees its row, so neither is left waiting for the other.

    ``matches`` are (``conversation_id`` or ``deal_id``, value) pairs; empty values are skipped.
    """
    await dialects.serialize_on(session, lock_names(tenant_id, matches))


def lock_names(tenant_id: uuid.UUID, matches: Iterable[tuple[str, str | None]]) -> list[str]:
    """``meet``'s lock names (a hot unit takes them as it begins)."""
    return [f"{tenant_id}:{column}:{value}" for column, value in matches if value]


async def evaluate(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    outcomes: Sequence[OutcomeRecord],
    *,
    rules: OutcomeRules,
    now: dt.datetime,
    close_ended_windows: bool = False,
) -> list[OutcomeRecord]:
    """Decide each pending outcome from its stored signals and resolve the decided ones.

    With ``close_ended_windows`` the window-end rule settles outcomes whose window is over.
    """
    facts = await signals_for(session, tenant_id, outcomes)
    decisions: dict[uuid.UUID, Decision] = {}
    for outcome in outcomes:
        kind = OutcomeType(outcome.outcome_type)
        found = facts.get(outcome.id, [])
        decision = decide(kind, found, rules)
        if decision is None and close_ended_windows and outcome.window_ends_at <= now:
            decision = decide_at_window_end(kind, found)
        if decision is not None:
            decisions[outcome.id] = decision
    return await apply_decisions(session, tenant_id, decisions, now=now)


async def signals_for(
    session: AsyncSession, tenant_id: uuid.UUID, outcomes: Sequence[OutcomeRecord]
) -> dict[uuid.UUID, list[SignalFact]]:
    """Stored signals inside each outcome's window, matched by conversation or deal."""
    if not outcomes:
        return {}
    conversations = {o.conversation_id for o in outcomes}
    deals = {o.deal_id for o in outcomes if o.deal_id}
    params = {
        "tenant": tenant_id,
        "conversations": sorted(conversations),
        "deals": sorted(deals),
        "start": min(o.created_at for o in outcomes),
        "end": max(o.window_ends_at for o in outcomes),
    }
    rows = await session.scalars(_signals_statement(bool(deals)), params)
    by_conversation: dict[str, list[Signal]] = defaultdict(list)
    by_deal: dict[str, list[Signal]] = defaultdict(list)
    for signal in rows:
        if signal.kind in DEAL_KINDS:
            by_deal[signal.deal_id or ""].append(signal)
        else:
            by_conversation[signal.conversation_id or ""].append(signal)
    return {o.id: _in_window(o, by_conversation, by_deal) for o in outcomes}


@functools.cache
def _signals_statement(with_deals: bool) -> Any:
    """Built once (with expanding parameters), so SQLAlchemy compiles it once."""
    matches = and_(
        Signal.conversation_id.in_(bindparam("conversations", expanding=True)),
        Signal.kind.in_(CONVERSATION_KINDS),
    )
    if with_deals:
        deals = and_(
            Signal.deal_id.in_(bindparam("deals", expanding=True)), Signal.kind.in_(DEAL_KINDS)
        )
        matches = or_(matches, deals)
    return select(Signal).where(
        Signal.tenant_id == bindparam("tenant"),
        matches,
        Signal.occurred_at >= bindparam("start"),
        Signal.occurred_at <= bindparam("end"),
    )


def _in_window(
    outcome: OutcomeRecord,
    by_conversation: dict[str, list[Signal]],
    by_deal: dict[str, list[Signal]],
) -> list[SignalFact]:
    candidates = by_conversation.get(outcome.conversation_id, [])
    if outcome.deal_id:
        candidates = candidates + by_deal.get(outcome.deal_id, [])
    return [
        SignalFact(s.id, SignalKind(s.kind), s.occurred_at, s.payload or {})
        for s in candidates
        if outcome.created_at <= s.occurred_at <= outcome.window_ends_at
    ]


async def apply_decisions(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    decisions: dict[uuid.UUID, Decision],
    *,
    now: dt.datetime,
) -> list[OutcomeRecord]:
    """Resolve still-pending outcomes; returns only those this call resolved (one UPDATE
    for all of them, however many distinct decisions)."""
    resolved = await _resolve(session, tenant_id, decisions, now) if decisions else []
    if not resolved:
        return resolved
    # Rollups before bins, as the record path takes them: one lock order for every writer.
    await rollups.apply(session, tenant_id, rollups.moves(resolved, PENDING))
    await calibration_bins.add_to_bins(
        session,
        tenant_id,
        ((o.action_type, o.predicted_confidence, OutcomeStatus(o.status)) for o in resolved),
        now,
    )
    for outcome in resolved:
        events.emit(session, events.OUTCOMES, outcome_event(outcome, OutcomeEventKind.RESOLVED))
    return resolved


async def _resolve(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    decisions: dict[uuid.UUID, Decision],
    now: dt.datetime,
) -> list[OutcomeRecord]:
    """``UPDATE … SET status = … WHERE status = 'PENDING' RETURNING``: whoever updates a row
    first resolves it; everyone else's update skips it. One decision for every row (a
    signal's usual case) binds its values into a statement built once; distinct ones are
    set per row (``CASE id WHEN …``)."""
    ids = sorted(decisions)
    first = decisions[ids[0]]
    if all(d == first for d in decisions.values()):
        params = {"tenant": tenant_id, "ids": ids, "now": now, "status": first.status.value,
                  "reason": first.reason, "signal": first.signal_id}  # fmt: skip
        stmt = _uniform_update(dialects.dialect_of(session), first.status in DECIDED)
        return list(await session.scalars(stmt, params))

    def per_row(value: Callable[[Decision], object], type_: Any) -> Any:
        return case({i: literal(value(decisions[i]), type_) for i in ids}, value=OutcomeRecord.id)

    stmt = (
        update(OutcomeRecord)
        .where(
            OutcomeRecord.tenant_id == tenant_id,
            OutcomeRecord.id.in_(ids),
            OutcomeRecord.status == PENDING,
        )
        .values(
            status=per_row(lambda d: d.status.value, String()),
            resolved_at=now,
            resolution_reason=per_row(lambda d: d.reason, Text()),
            resolved_by_signal_id=per_row(lambda d: d.signal_id, Uuid()),
            calibrated_confidence=_calibrated(dialects.dialect_of(session), decisions),
        )
        .returning(OutcomeRecord)
        .execution_options(populate_existing=True, synchronize_session=False)
    )
    return list(await session.scalars(stmt))


@functools.cache
def _uniform_update(dialect: str, decided: bool) -> Any:
    """``_resolve``'s statement when every row gets the same decision (bound parameters)."""
    return (
        update(OutcomeRecord)
        .where(
            OutcomeRecord.tenant_id == bindparam("tenant"),
            OutcomeRecord.id.in_(bindparam("ids", expanding=True)),
            OutcomeRecord.status == PENDING,
        )
        .values(
            status=bindparam("status", type_=String()),
            resolved_at=bindparam("now", type_=OutcomeRecord.resolved_at.type),
            resolution_reason=bindparam("reason", type_=Text()),
            resolved_by_signal_id=bindparam("signal", type_=Uuid()),
            calibrated_confidence=_calibrated_q(dialect) if decided else None,
        )
        .returning(OutcomeRecord)
        .execution_options(populate_existing=True, synchronize_session=False)
    )


def _calibrated(dialect: str, decisions: dict[uuid.UUID, Decision]) -> Any:
    """q = clamp(p·m, 0.001, 0.999) with the multiplier in force, set by the
    resolving UPDATE itself (no extra statement) on the rows it makes POSITIVE or NEGATIVE."""
    decided = [i for i, d in decisions.items() if d.status in DECIDED]
    if len(decided) == len(decisions):
        return _calibrated_q(dialect)
    if not decided:
        return None
    return case((OutcomeRecord.id.in_(decided), _calibrated_q(dialect)), else_=None)


def _calibrated_q(dialect: str) -> Any:
    multiplier = (
        select(CalibrationState.multiplier)
        .where(
            CalibrationState.tenant_id == OutcomeRecord.tenant_id,
            CalibrationState.action_type == OutcomeRecord.action_type,
        )
        .scalar_subquery()
    )
    product = OutcomeRecord.predicted_confidence * func.coalesce(multiplier, 1.0)
    return dialects.clamp(dialect, product, evalues.Q_LOW, evalues.Q_HIGH)


def outcome_event(outcome: OutcomeRecord, kind: OutcomeEventKind) -> dict[str, object]:
    return {
        "kind": kind.value,
        "outcomeId": str(outcome.id),
        "status": outcome.status,
        "actionType": outcome.action_type,
        "repId": outcome.rep_id,
        "teamId": outcome.team_id,
    }
