"""Domain events: raised inside a transaction, published by the unit of work after commit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db.models import OutcomeRecord
from hindsight.domain.enums import OutcomeEventKind, OutcomeStatus

OUTCOMES = "outcomes"
FEEDBACK = "feedback"
CALIBRATION = "calibration"
TEAM = "team"  # the rep → team directory changed
DRIFT = "drift"  # a drift alert was raised or acknowledged

T = TypeVar("T")


@dataclass(frozen=True)
class Event:
    topic: str
    payload: dict[str, Any]
    id: str = field(default_factory=lambda: uuid.uuid4().hex)


@dataclass(frozen=True)
class OutcomeChange:
    """An outcome event as a subscriber receives it: the event's id, what happened, the
    status the event left, and the outcome row as it is now."""

    id: str
    kind: OutcomeEventKind
    status: OutcomeStatus
    outcome: OutcomeRecord


@dataclass(frozen=True)
class Delivered(Generic[T]):
    """What a subscription yields: the item, its event's id, and the cursor to resume after
    it (``None`` where the subscription takes no cursor)."""

    item: T
    event_id: str
    cursor: str | None


def emit(session: AsyncSession, topic: str, payload: dict[str, Any]) -> None:
    """Queue an event on the session; a rollback drops it with the transaction."""
    session.info.setdefault("events", []).append(Event(topic, payload))
