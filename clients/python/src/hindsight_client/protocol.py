"""Sending one batch, without I/O: ``deliver`` is a generator that yields what to do (a
``Post``, a ``Pause`` before a retry) and is sent what happened, so the thread client and the
async client run the same rules with their own HTTP client and clock.

Retried, with exponential backoff and full jitter and the same idempotency keys: network
errors, HTTP 5xx and 429 (after ``Retry-After`` when given), and ``SERVICE_UNAVAILABLE``.
A ``ValidationError`` item is rejected, never retried. An error for the whole call that a
retry cannot fix (a bad token, a refused input) rejects the batch; when it is bad input in a
batch of several, each record is sent on its own first, so one bad record rejects only itself.
"""

from __future__ import annotations

import random
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import httpx

from hindsight_client.documents import BATCHES
from hindsight_client.records import Kind, Record, Rejected

RETRYABLE_CODES = {"SERVICE_UNAVAILABLE"}
SPLIT_CODES = {"BAD_USER_INPUT"}


@dataclass(frozen=True)
class Post:
    body: dict[str, Any]


@dataclass(frozen=True)
class Pause:
    """Wait ``seconds``, then answer whether to go on (``False``: the client is closing)."""

    seconds: float
    records: int


@dataclass
class Settled:
    sent: list[Record] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    dropped: list[Record] = field(default_factory=list)


@dataclass(frozen=True)
class Retry:
    reason: str
    after: float = 0.0


class Split:
    """Send each record on its own."""


@dataclass(frozen=True)
class Backoff:
    base: float = 0.25
    cap: float = 10.0

    def delay(self, attempt: int, at_least: float = 0.0) -> float:
        """Full jitter: uniform in [0, min(cap, base·2^attempt)], never below ``at_least``."""
        jittered = random.uniform(0, min(self.cap, self.base * 2**attempt))
        return min(self.cap, max(jittered, at_least))


Delivery = Generator[Post | Pause, Any, Settled]


def deliver(kind: Kind, records: list[Record], backoff: Backoff) -> Delivery:
    """Send ``records`` until each is sent or rejected, or the client gives up (dropped)."""
    attempt = 0
    while True:
        reply = yield Post(body(kind, records))
        verdict = judge(kind, records, reply)
        if isinstance(verdict, Settled):
            return verdict
        if isinstance(verdict, Split):
            return (yield from _one_by_one(kind, records, backoff))
        if not (yield Pause(backoff.delay(attempt, verdict.after), len(records))):
            return Settled(dropped=records)
        attempt += 1


def _one_by_one(kind: Kind, records: list[Record], backoff: Backoff) -> Delivery:
    total = Settled()
    for record in records:
        settled = yield from deliver(kind, [record], backoff)
        total.sent += settled.sent
        total.rejected += settled.rejected
        total.dropped += settled.dropped
    return total


def body(kind: Kind, records: list[Record]) -> dict[str, Any]:
    return {"query": BATCHES[kind][1], "variables": {"inputs": [r.input for r in records]}}


def judge(
    kind: Kind, records: list[Record], reply: httpx.Response | Exception
) -> Settled | Retry | Split:
    """What one answer means for the batch."""
    if isinstance(reply, Exception):
        return Retry(f"{type(reply).__name__}: {reply}")
    status = reply.status_code
    if status == 429 or status >= 500:
        return Retry(f"HTTP {status}", _retry_after(reply))
    try:
        answer = reply.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        return Retry(f"HTTP {status}: not a GraphQL answer")  # e.g. a proxy's error page
    errors: list[dict[str, Any]] = answer.get("errors") or []
    codes = {(e.get("extensions") or {}).get("code") for e in errors}
    if codes & RETRYABLE_CODES:
        return Retry(", ".join(str(c) for c in codes & RETRYABLE_CODES))
    results = (answer.get("data") or {}).get(BATCHES[kind][0])
    if isinstance(results, list) and len(results) == len(records):
        return _per_item(records, results)
    if len(records) > 1 and codes & SPLIT_CODES:
        return Split()
    first: dict[str, Any] = errors[0] if errors else {"message": f"HTTP {status}"}
    where = (first.get("extensions") or {}).get("field")
    return Settled(rejected=[Rejected.of(r, where, str(first.get("message"))) for r in records])


def _per_item(records: list[Record], results: list[dict[str, Any]]) -> Settled:
    settled = Settled()
    for record, result in zip(records, results, strict=True):
        if result.get("__typename") == "ValidationError":
            message = str(result.get("message"))
            settled.rejected.append(Rejected.of(record, result.get("field"), message))
        else:
            settled.sent.append(record)
    return settled


def _retry_after(reply: httpx.Response) -> float:
    try:
        return max(0.0, float(reply.headers.get("retry-after", 0)))
    except ValueError:  # an HTTP date: the backoff decides
        return 0.0


def batches(records: list[Record]) -> list[tuple[Kind, list[Record]]]:
    """A taken slice as at most two calls: its outcomes, then its signals (each record keeps
    its own occurredAt, so the order between the two calls does not change what resolves)."""
    kinds: tuple[Kind, ...] = ("outcome", "signal")
    split = [(kind, [r for r in records if r.kind == kind]) for kind in kinds]
    return [(kind, batch) for kind, batch in split if batch]
