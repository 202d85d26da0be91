"""``AsyncHindsight``: the client for asyncio code. Its methods are coroutines; one task on
the caller's event loop (started by the first call) sends the queue in batches and reads
multipliers. Close it (``await close()`` or ``async with``): the loop, not the interpreter,
decides when a task stops."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
from enum import Enum
from typing import Any

import httpx

from hindsight_client import calibration, protocol
from hindsight_client.buffer import Stats
from hindsight_client.core import Core, OnError, log
from hindsight_client.protocol import Backoff, Delivery, Pause, Post, Settled
from hindsight_client.records import Record, Rejected


class AsyncHindsight(Core):
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
        self._cond = asyncio.Condition()
        self._reading = asyncio.Lock()
        self._flushing = 0
        self._deadline: float | None = None
        self._http = httpx.AsyncClient(timeout=timeout, headers=self.config.headers())
        self._task: asyncio.Task[None] | None = None

    async def record_outcome(
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
        """Queue an agent action; returns its idempotency key. Never waits on the network."""
        return await self._put(self.build("outcome", locals()))

    async def record_signal(
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
        return await self._put(self.build("signal", locals()))

    async def calibrated_confidence(self, action_type: str, confidence: float) -> float:
        """``clamp(confidence · m, 0, 1)``; ``m`` read once, refreshed in the background."""
        multiplier = self.multipliers.known(action_type)
        if multiplier is None and self.closing:
            multiplier = 1.0  # closed: no more requests
        if multiplier is None:
            async with self._reading:
                multiplier = self.multipliers.known(action_type)
                if multiplier is None:
                    multiplier = await self._read(action_type)
        return calibration.clamp(confidence * multiplier)

    async def flush(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109 (the documented signature)
        """Send everything recorded so far; ``True`` once all is sent or rejected."""
        async with self._cond:
            target = self.buffer.last_seq
            if self._task is None or self._task.done():
                return self.buffer.settled(target)
            self._flushing += 1
            self._cond.notify_all()
            try:
                async with asyncio.timeout(timeout):
                    await self._cond.wait_for(lambda: self.buffer.settled(target))
                return True
            except TimeoutError:
                return False
            finally:
                self._flushing -= 1

    async def close(self, timeout: float | None = 10.0) -> None:  # noqa: ASYNC109 (as flush)
        """Flush for up to ``timeout`` seconds (``None``: until all is sent), then stop."""
        async with self._cond:
            if self.closing:
                return
            self.closing = True
            self._deadline = None if timeout is None else time.monotonic() + timeout
            self._cond.notify_all()
        if self._task is not None:
            limit = None if timeout is None else timeout + self.config.timeout
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._task), limit)
            self._task.cancel()
        await self._http.aclose()

    @property
    def stats(self) -> Stats:
        return self.stats_now()

    async def __aenter__(self) -> AsyncHindsight:
        self._start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _start(self) -> None:
        if self._task is None and not self.closing:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _put(self, record: Record | Rejected) -> str:
        self._start()
        async with self._cond:
            if self.enqueue(record):
                self._cond.notify_all()
        if isinstance(record, Rejected):
            self.report([record])
            return record.idempotency_key
        return record.key

    async def _run(self) -> None:
        while True:
            async with self._cond:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.config.flush_interval):
                        await self._cond.wait_for(lambda: self.wants_to_send(self._flushing > 0))
                if self._giving_up():
                    self.drop_queue()
                if self.closing and not self.buffer.queue:
                    self._cond.notify_all()
                    return
                taken = self.buffer.take(self.config.flush_at)
                stale = [] if self.closing else self.multipliers.due()
            for kind, batch in protocol.batches(taken):
                await self._send(batch, protocol.deliver(kind, batch, self.config.backoff))
            for action_type in stale:
                await self._read(action_type)

    async def _send(self, batch: list[Record], delivery: Delivery) -> None:
        try:
            settled = await self._drive(delivery)
        except Exception:  # a bug of ours must not stop the sender or hang flush()
            log.exception("hindsight: sending a batch failed; dropped")
            settled = Settled(dropped=batch)
        self.report(settled.rejected)  # before flush() can return
        async with self._cond:
            self.finish(batch, settled)
            self._cond.notify_all()

    async def _drive(self, delivery: Delivery) -> Settled:
        step = next(delivery)
        while True:
            if isinstance(step, Post):
                answer: object = await self._post(step.body)
            else:
                answer = await self._pause(step)
            try:
                step = delivery.send(answer)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]

    async def _post(self, body: dict[str, Any]) -> httpx.Response | Exception:
        try:
            return await self._http.post(self.config.url, json=body)
        except Exception as error:  # whatever it is, the rules (protocol.judge) decide
            return error

    async def _pause(self, pause: Pause) -> bool:
        """Wait before a retry; ``False`` when the client is closing past its deadline."""
        end = time.monotonic() + pause.seconds
        async with self._cond:
            self.buffer.count(retried=pause.records)
            while not self._giving_up():
                now = time.monotonic()
                if now >= end:
                    return True
                until = end if self._deadline is None else min(end, self._deadline)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(until - now):
                        await self._cond.wait()
            return False

    def _giving_up(self) -> bool:
        return self._deadline is not None and time.monotonic() >= self._deadline

    async def _read(self, action_type: str) -> float:
        answer = await self._post(calibration.request(action_type))
        return self.multipliers.store(action_type, calibration.multiplier_of(action_type, answer))
