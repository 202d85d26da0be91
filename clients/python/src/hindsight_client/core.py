"""What the thread client and the async client share: settings, the queue, the local
multipliers, and turning calls into records and results into ``stats`` and ``on_error``."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hindsight_client import records
from hindsight_client.buffer import Buffer, Stats
from hindsight_client.calibration import Multipliers
from hindsight_client.protocol import Backoff, Settled
from hindsight_client.records import Kind, Record, Rejected

log = logging.getLogger("hindsight_client")

MAX_BATCH = 500  # the server's limit per recordOutcomes / recordSignals call
ACCEPT = "application/graphql-response+json, application/json;q=0.9"
OnError = Callable[[Rejected], object]


@dataclass(frozen=True)
class Config:
    url: str
    token: str | None
    flush_at: int
    flush_interval: float
    max_queue: int
    timeout: float
    calibration_ttl: float
    backoff: Backoff

    def __post_init__(self) -> None:
        if not self.url:
            raise ValueError("no Hindsight URL: pass url= or set HINDSIGHT_URL")
        if not self.url.startswith(("http://", "https://")):
            raise ValueError(f"the URL must be http(s)://…/graphql, got {self.url!r}")
        if not 1 <= self.flush_at <= MAX_BATCH:
            raise ValueError(f"flush_at must be 1..{MAX_BATCH}, got {self.flush_at}")
        if self.flush_interval <= 0 or self.timeout <= 0 or self.max_queue < 1:
            raise ValueError("flush_interval and timeout must be > 0, max_queue ≥ 1")

    def headers(self) -> dict[str, str]:
        auth = {"authorization": f"Bearer {self.token}"} if self.token else {}
        return {"accept": ACCEPT, **auth}


class Core:
    def __init__(
        self,
        url: str | None,
        token: str | None,
        *,
        flush_at: int,
        flush_interval: float,
        max_queue: int,
        timeout: float,
        on_error: OnError | None,
        calibration_ttl: float,
        backoff: Backoff,
    ) -> None:
        self.config = Config(
            url=url or os.environ.get("HINDSIGHT_URL", ""),
            token=token or os.environ.get("HINDSIGHT_TOKEN") or None,
            flush_at=flush_at,
            flush_interval=flush_interval,
            max_queue=max_queue,
            timeout=timeout,
            calibration_ttl=calibration_ttl,
            backoff=backoff,
        )
        self.on_error = on_error
        self.buffer = Buffer(max_queue)
        self.multipliers = Multipliers(calibration_ttl)
        self.closing = False

    @staticmethod
    def build(kind: Kind, arguments: dict[str, Any]) -> Record | Rejected:
        """The record of a ``record_*`` method's arguments (its ``locals()``), or (values
        that are not plain JSON) its rejection."""
        fields = {k: v for k, v in arguments.items() if k != "self"}
        record = (records.outcome if kind == "outcome" else records.signal)(**fields)
        return records.unsendable(record) or record

    def enqueue(self, record: Record | Rejected) -> bool:
        """Queue a record (lock held); ``True`` when this record fills a batch, the moment
        to wake the sender (a sender that is busy finds a longer queue when it looks again;
        waking it on every record would only make it and the agent fight for the lock).
        A rejection is counted (and reported by the caller, without the lock)."""
        if isinstance(record, Rejected):
            self.buffer.count(rejected=1)
        elif self.closing:
            self.buffer.count(dropped=1)
            log.warning("hindsight: record %s after close() is dropped", record.key)
        else:
            self.buffer.put(record)
        return len(self.buffer.queue) == self.config.flush_at

    def wants_to_send(self, flushing: bool) -> bool:
        queued = len(self.buffer.queue)
        return queued >= self.config.flush_at or bool(queued and flushing) or self.closing

    def finish(self, batch: list[Record], settled: Settled) -> None:
        """A batch's results into the counts (lock held)."""
        self.buffer.done(batch)
        sent, rejected, dropped = len(settled.sent), len(settled.rejected), len(settled.dropped)
        self.buffer.count(sent=sent, rejected=rejected, dropped=dropped)

    def drop_queue(self) -> None:
        """Closing past its deadline: what is still queued is dropped (lock held)."""
        self.buffer.count(dropped=len(self.buffer.queue))
        self.buffer.queue.clear()

    def report(self, rejected: list[Rejected]) -> None:
        """Each rejection to ``on_error`` (its own errors logged, never raised), else a log."""
        for item in rejected:
            if self.on_error is None:
                log.warning(
                    "hindsight: %s %s rejected: %s", item.kind, item.idempotency_key, item.message
                )
                continue
            try:
                self.on_error(item)
            except Exception:
                log.exception("hindsight: on_error raised")

    def stats_now(self) -> Stats:
        return self.buffer.stats()
