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
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db import dialects
from hindsight.db.models import OutcomeRecord, Signal
from hindsight.domain import resolution, validation
from hindsight.domain.enums import DEAL_KINDS, OutcomeStatus, SignalKind
from hindsight.domain.errors import ValidationFailed
from hindsight.domain.outcomes import register_tenant
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


async def record_signal(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    new: NewSignal,
    *,
    rules: OutcomeRules,
    now: dt.datetime,
) -> tuple[Signal, list[OutcomeRecord]]:
    """Store the signal and resolve, in this transaction, every pending outcome it decides."""
    column, key = _match_key(new)
    payload = _payload(new, rules)
    occurred_at = validation.past_time(
        new.occurred_at, "occurredAt", now=now, skew=rules.clock_skew
    )
    signal = Signal(
        tenant_id=tenant_id,
        id=uuid.uuid4(),
        kind=new.kind.value,
        conversation_id=validation.identifier(new.conversation_id, "conversationId"),
        deal_id=validation.identifier(new.deal_id, "dealId"),
        occurred_at=occurred_at,
        recorded_at=now,
        payload=payload,
    )
    await register_tenant(session, tenant_id, now)
    session.add(signal)
    await session.flush()
    candidates = await _pending_in_window(session, tenant_id, new.kind, column, key, occurred_at)
    resolved = await resolution.evaluate(session, tenant_id, candidates, rules=rules, now=now)
    return signal, resolved


async def _pending_in_window(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    kind: SignalKind,
    column: str,
    key: str,
    occurred_at: dt.datetime,
) -> list[OutcomeRecord]:
    """Pending outcomes this signal can decide, locked in id order (one lock order for all)."""
    o = OutcomeRecord
    stmt = (
        select(o)
        .where(
            o.tenant_id == tenant_id,
            getattr(o, column) == key,
            o.status == OutcomeStatus.PENDING.value,
            o.outcome_type.in_([t.value for t in AFFECTS[kind]]),
            o.created_at <= occurred_at,
            o.window_ends_at >= occurred_at,
        )
        .order_by(o.id)
    )
    return list(await session.scalars(dialects.lock(session, stmt)))
