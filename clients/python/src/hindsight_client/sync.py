"""``Hindsight``: the client for threaded code. Records go to a bounded queue and return at
once; one background (daemon) thread sends them in batches and reads multipliers.
``close()`` flushes, and so does interpreter exit (``atexit``)."""

from __future__ import annotations

import atexit
import datetime as dt
import threading
import time
from enum import Enum
from typing import Any

import httpx

from hindsight_client import calibration, protocol
from hindsight_client.buffer import Stats
from hindsight_client.core import Core, OnError, log
from hindsight_client.protocol import Backoff, Delivery, Pause, Post, Settled
from hindsight_client.records import Record, Rejected


class Hindsight(Core):
    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        flush_at: int = 100,
        flush_interval: float = 1.0,
        max_queue: int = 10_000,
        timeout: float = 10.0,
        on_error: OnError | None = None,
        calibration_ttl: float = 60.0,
        max_backoff: float = 10.0,
    ) -> None:
        super().__init__(
            url, token, flush_at=flush_at, flush_interval=flush_interval, max_queue=max_queue,
            timeout=timeout, on_error=on_error, calibration_ttl=calibration_ttl,
            backoff=Backoff(cap=max_backoff),
        )  # fmt: skip
        self._cond = threading.Condition()
        self._reading = threading.Lock()  # one first read per action type
        self._flushing = 0
        self._deadline: float | None = None  # closing: when retrying stops
        self._http = httpx.Client(timeout=timeout, headers=self.config.headers())
        self._thread = threading.Thread(target=self._run, name="hindsight-client", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    def record_outcome(
        self,
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
    ) -> str:
        """Queue an agent action; returns its idempotency key (a new UUID when none is
        given). Never blocks, never raises for the server's sake."""
        return self._put(self.build("outcome", locals()))

    def record_signal(
        self,
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
    ) -> str:
        """Queue a CRM or conversation signal; returns its idempotency key."""
        return self._put(self.build("signal", locals()))

    def calibrated_confidence(self, action_type: str, confidence: float) -> float:
        """``clamp(confidence · m, 0, 1)`` with the action type's multiplier ``m`` held
        locally (read once, refreshed in the background every ``calibration_ttl``)."""
        with self._cond:
            multiplier = self.multipliers.known(action_type)
        if multiplier is None:
            multiplier = 1.0 if self.closing else self._first_read(action_type)
        return calibration.clamp(confidence * multiplier)

    def flush(self, timeout: float | None = None) -> bool:
        """Send everything recorded so far; ``True`` once it is all sent or rejected,
        ``False`` if ``timeout`` seconds passed first."""
        with self._cond:
            target = self.buffer.last_seq
            if not self._thread.is_alive():
                return self.buffer.settled(target)
            self._flushing += 1
            self._cond.notify_all()
            try:
                return self._cond.wait_for(lambda: self.buffer.settled(target), timeout)
            finally:
                self._flushing -= 1

    def close(self, timeout: float | None = 10.0) -> None:
        """Flush for up to ``timeout`` seconds (``None``: until all is sent), then stop;
        what could not be sent by then is dropped (and counted). Idempotent."""
        with self._cond:
            if self.closing:
                return
            self.closing = True
            self._deadline = None if timeout is None else time.monotonic() + timeout
            self._cond.notify_all()
        atexit.unregister(self.close)
        self._thread.join(None if timeout is None else timeout + self.config.timeout)
        self._http.close()

    @property
    def stats(self) -> Stats:
        with self._cond:
            return self.stats_now()

    def __enter__(self) -> Hindsight:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _put(self, record: Record | Rejected) -> str:
        with self._cond:
            if self.enqueue(record):
                self._cond.notify_all()
        if isinstance(record, Rejected):
            self.report([record])
            return record.idempotency_key
        return record.key

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(
                    lambda: self.wants_to_send(self._flushing > 0), self.config.flush_interval
                )
                if self._giving_up():
                    self.drop_queue()
                if self.closing and not self.buffer.queue:
                    self._cond.notify_all()
                    return
                taken = self.buffer.take(self.config.flush_at)
                stale = [] if self.closing else self.multipliers.due()
            for kind, batch in protocol.batches(taken):
                self._send(batch, protocol.deliver(kind, batch, self.config.backoff))
            for action_type in stale:
                self._read(action_type)

    def _send(self, batch: list[Record], delivery: Delivery) -> None:
        try:
            settled = self._drive(delivery)
        except Exception:  # a bug of ours must not stop the sender or hang flush()
            log.exception("hindsight: sending a batch failed; dropped")
            settled = Settled(dropped=batch)
        self.report(settled.rejected)  # before flush() can return
        with self._cond:
            self.finish(batch, settled)
            self._cond.notify_all()

    def _drive(self, delivery: Delivery) -> Settled:
        step = next(delivery)
        while True:
            answer = self._post(step.body) if isinstance(step, Post) else self._pause(step)
            try:
                step = delivery.send(answer)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]

    def _post(self, body: dict[str, Any]) -> httpx.Response | Exception:
        try:
            return self._http.post(self.config.url, json=body)
        except Exception as error:  # whatever it is, the rules (protocol.judge) decide
            return error

    def _pause(self, pause: Pause) -> bool:
        """Wait before a retry; ``False`` when the client is closing past its deadline."""
        end = time.monotonic() + pause.seconds
        with self._cond:
            self.buffer.count(retried=pause.records)
            while not self._giving_up():
                now = time.monotonic()
                if now >= end:
                    return True
                until = end if self._deadline is None else min(end, self._deadline)
                self._cond.wait(until - now)
            return False

    def _giving_up(self) -> bool:
        return self._deadline is not None and time.monotonic() >= self._deadline

    def _first_read(self, action_type: str) -> float:
        with self._reading:
            with self._cond:
                known = self.multipliers.known(action_type)
            return known if known is not None else self._read(action_type)

    def _read(self, action_type: str) -> float:
        answer = self._post(calibration.request(action_type))
        value = calibration.multiplier_of(action_type, answer)
        with self._cond:
            return self.multipliers.store(action_type, value)
