"""Local calibration: ``calibrated_confidence = clamp(p·m, 0, 1)`` with each action type's
multiplier ``m`` read from the API at most once per ``ttl`` seconds (the API's
``calibratedConfidence`` with the MULTIPLIER method computes the same).

The first call for an action type reads its multiplier (one request, bounded by the
client's timeout); later calls compute locally, and once the value is older than ``ttl``
the client's sender refreshes it in the background while the last value stays in use.
A failed read counts as a read: the last known multiplier (1.0 before any) is used until
the next one is due.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from hindsight_client.documents import MULTIPLIER

log = logging.getLogger("hindsight_client")


def clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


@dataclass
class Entry:
    multiplier: float
    read_at: float
    refreshing: bool = False


class Multipliers:
    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self.entries: dict[str, Entry] = {}

    def known(self, action_type: str) -> float | None:
        entry = self.entries.get(action_type)
        return None if entry is None else entry.multiplier

    def due(self) -> list[str]:
        """Action types whose value is older than ``ttl`` and not yet being refreshed; they
        are marked as being refreshed."""
        now = self.clock()
        stale = [
            a for a, e in self.entries.items() if not e.refreshing and now - e.read_at >= self.ttl
        ]
        for action_type in stale:
            self.entries[action_type].refreshing = True
        return stale

    def store(self, action_type: str, multiplier: float | None) -> float:
        """The value read (``None``: the read failed, keep the last one)."""
        if multiplier is None:
            multiplier = self.known(action_type) or 1.0
        self.entries[action_type] = Entry(multiplier, self.clock())
        return multiplier


def request(action_type: str) -> dict[str, Any]:
    return {"query": MULTIPLIER, "variables": {"actionType": action_type}}


def multiplier_of(action_type: str, reply: httpx.Response | Exception) -> float | None:
    """The multiplier in an answer, or ``None`` (logged) when there is none."""
    try:
        if isinstance(reply, Exception):
            raise reply
        value = reply.json()["data"]["calibratedConfidence"]["multiplier"]
        return float(value)
    except Exception as error:  # an error, an error answer, or an answer of another shape
        log.warning("hindsight: could not read the multiplier of %s: %r", action_type, error)
        return None
