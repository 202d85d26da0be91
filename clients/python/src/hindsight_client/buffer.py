"""The queue between the agent and the sender: bounded (a full queue drops its oldest record
and counts it), with the counts ``stats`` reports and what ``flush()`` waits for.

Plain state, no locking: the thread client holds its condition's lock around every call,
the async client uses it from its one event loop.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, replace

from hindsight_client.records import Record


@dataclass(frozen=True)
class Stats:
    """Records sent (stored by the server), retried (re-sent after a retryable failure, once
    per record and attempt), dropped (the queue was full, or the client closed before they
    could be sent), rejected (refused by the server, given to ``on_error``); queued now."""

    sent: int = 0
    retried: int = 0
    dropped: int = 0
    rejected: int = 0
    queued: int = 0


class Buffer:
    def __init__(self, max_queue: int) -> None:
        self.max_queue = max_queue
        self.queue: deque[Record] = deque()
        self.in_flight: list[Record] = []
        self.last_seq = 0
        self.counts = Stats()

    def put(self, record: Record) -> None:
        if len(self.queue) >= self.max_queue:
            self.queue.popleft()
            self.count(dropped=1)
        self.last_seq += 1
        self.queue.append(replace(record, seq=self.last_seq))

    def take(self, count: int) -> list[Record]:
        """Up to ``count`` records from the front, in flight until ``done``."""
        taken = [self.queue.popleft() for _ in range(min(count, len(self.queue)))]
        self.in_flight.extend(taken)
        return taken

    def done(self, records: Iterable[Record]) -> None:
        finished = {r.seq for r in records}
        self.in_flight = [r for r in self.in_flight if r.seq not in finished]

    def count(self, **deltas: int) -> None:
        self.counts = replace(
            self.counts, **{k: getattr(self.counts, k) + v for k, v in deltas.items()}
        )

    def settled(self, seq: int) -> bool:
        """Every record up to ``seq`` sent, rejected or dropped."""
        queued = bool(self.queue) and self.queue[0].seq <= seq
        return not queued and not any(r.seq <= seq for r in self.in_flight)

    def stats(self) -> Stats:
        return replace(self.counts, queued=len(self.queue) + len(self.in_flight))
