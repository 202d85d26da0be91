"""What the agent records, as GraphQL inputs: ``RecordOutcomeInput`` and ``RecordSignalInput``.

Every record gets its idempotency key and its ``occurredAt`` here, when the agent calls, not
when a batch leaves: a record sent minutes later (after an outage) still says when the agent
acted, and every retry carries the same key, so the server stores it once.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal

Kind = Literal["outcome", "signal"]


@dataclass(frozen=True)
class Record:
    """One queued record: its kind, idempotency key and GraphQL input."""

    kind: Kind
    key: str
    input: dict[str, Any]
    seq: int = field(default=0, compare=False)  # queue order, set by the buffer


@dataclass(frozen=True)
class Rejected:
    """A record the server refused (a ``ValidationError``, or an error for the whole call
    that retrying cannot fix); it is never sent again. ``on_error`` receives it."""

    kind: Kind
    idempotency_key: str
    input: dict[str, Any]
    field: str | None
    message: str

    @classmethod
    def of(cls, record: Record, field: str | None, message: str) -> Rejected:
        return cls(record.kind, record.key, record.input, field, message)


def timestamp(value: dt.datetime | None) -> str:
    """ISO 8601 with an offset; now when ``None``; a naive datetime is taken as UTC."""
    if value is None:
        value = dt.datetime.now(dt.UTC)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.isoformat()


def name(value: str | Enum) -> str:
    """An enum value as GraphQL spells it (a plain string passes through)."""
    return str(value.value) if isinstance(value, Enum) else value


def outcome(
    *,
    action_type: str,
    outcome_type: str | Enum,
    predicted_confidence: float,
    conversation_id: str,
    deal_id: str | None = None,
    rep_id: str | None = None,
    team_id: str | None = None,
    metadata: dict[str, Any] | None = None,
    occurred_at: dt.datetime | None = None,
    idempotency_key: str | None = None,
) -> Record:
    key = idempotency_key or str(uuid.uuid4())
    values = {
        "actionType": action_type,
        "outcomeType": name(outcome_type),
        "predictedConfidence": predicted_confidence,
        "conversationId": conversation_id,
        "dealId": deal_id,
        "repId": rep_id,
        "teamId": team_id,
        "metadata": metadata,
        "occurredAt": timestamp(occurred_at),
        "idempotencyKey": key,
    }
    return Record("outcome", key, _present(values))


def signal(
    *,
    kind: str | Enum,
    conversation_id: str | None = None,
    deal_id: str | None = None,
    occurred_at: dt.datetime | None = None,
    from_stage: str | None = None,
    to_stage: str | None = None,
    helpful: bool | None = None,
    payload: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
) -> Record:
    key = idempotency_key or str(uuid.uuid4())
    values = {
        "kind": name(kind),
        "conversationId": conversation_id,
        "dealId": deal_id,
        "occurredAt": timestamp(occurred_at),
        "fromStage": from_stage,
        "toStage": to_stage,
        "helpful": helpful,
        "payload": payload,
        "idempotencyKey": key,
    }
    return Record("signal", key, _present(values))


def _present(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def unsendable(record: Record) -> Rejected | None:
    """Why a record cannot be sent as JSON (NaN and infinities included), so it is refused
    before it joins a batch; ``None`` when it can."""
    try:
        json.dumps(record.input, allow_nan=False)
    except (TypeError, ValueError) as error:
        return Rejected.of(record, None, f"not sendable as JSON: {error}")
    return None
