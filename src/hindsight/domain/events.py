"""Domain events: raised inside a transaction, published by the unit of work after commit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

OUTCOMES = "outcomes"
FEEDBACK = "feedback"
CALIBRATION = "calibration"
TEAM = "team"  # the rep → team directory changed


@dataclass(frozen=True)
class Event:
    topic: str
    payload: dict[str, Any]
    id: str = field(default_factory=lambda: uuid.uuid4().hex)


def emit(session: AsyncSession, topic: str, payload: dict[str, Any]) -> None:
    """Queue an event on the session; a rollback drops it with the transaction."""
    session.info.setdefault("events", []).append(Event(topic, payload))
