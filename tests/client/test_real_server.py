"""The client against a real ``hindsight serve`` process (SQLite, and PostgreSQL + Redis):
a server SIGKILLed mid-run loses and doubles nothing, batching seen by the server's own
request counter, a ValidationError reaching on_error, the async client."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from hindsight.db.models import OutcomeRecord, Signal
from hindsight.domain.enums import Role
from hindsight_client import AsyncHindsight, Hindsight, Rejected
from tests.client.lossy import lossy
from tests.client.server import Server, running, token
from tests.live.client import eventually

WAIT = 120.0  # generous: a server process on a busy machine


def client(server: Server, tenant: uuid.UUID, **options: Any) -> Hindsight:
    return client_at(server.url, tenant, **options)


def client_at(url: str, tenant: uuid.UUID, **options: Any) -> Hindsight:
    return Hindsight(url, token(tenant, Role.AGENT), max_backoff=0.5, **options)


async def stored(server: Server, tenant: uuid.UUID) -> tuple[int, int, int, int]:
    """(outcomes, distinct conversations, pending outcomes, signals) of the tenant."""
    o, s = OutcomeRecord, Signal
    mine = o.tenant_id == tenant
    return (
        await server.scalar(select(func.count()).where(mine)),
        await server.scalar(select(func.count(o.conversation_id.distinct())).where(mine)),
        await server.scalar(select(func.count()).where(mine, o.status == "PENDING")),
        await server.scalar(select(func.count()).where(s.tenant_id == tenant)),
    )


def engagement(hs: Hindsight, n: int) -> None:
    """An ENGAGEMENT outcome and one reply: a reply stored twice would make it POSITIVE."""
    conversation = f"conv-{n}"
    hs.record_outcome(
        action_type="send_follow_up",
        outcome_type="ENGAGEMENT",
        predicted_confidence=0.6,
        conversation_id=conversation,
    )
    hs.record_signal(kind="CUSTOMER_REPLIED", conversation_id=conversation)


async def until(check: Callable[[], bool]) -> None:
    await eventually(check, within=WAIT, step=0.01)


async def test_a_server_killed_mid_run_loses_and_doubles_nothing(
    server: Server, tenant_id: uuid.UUID
) -> None:
    hs = client(server, tenant_id, flush_at=10, flush_interval=0.01)
    try:
        for n in range(100):
            engagement(hs, n)
        await until(lambda: hs.stats.sent >= 40)  # batches are going out…
        server.kill()  # …and one is likely cut off in flight
        for n in range(100, 200):  # the server is down: these return at once (else: hang)
            engagement(hs, n)
        await until(lambda: hs.stats.retried > 0)  # the sender met the dead server
        assert hs.stats.queued > 0 and hs.stats.dropped == 0  # held, not lost
        await server.start()
        assert await asyncio.to_thread(hs.flush, WAIT)
    finally:
        await asyncio.to_thread(hs.close)
    assert (hs.stats.sent, hs.stats.rejected, hs.stats.dropped) == (400, 0, 0)
    assert await stored(server, tenant_id) == (200, 200, 200, 200)


async def test_batches_are_what_the_server_counts(server: Server, tenant_id: uuid.UUID) -> None:
    hs = client(server, tenant_id, flush_at=50, flush_interval=3600)  # by size or flush only
    try:
        before = await server.graphql_posts()
        for n in range(230):
            hs.record_outcome(
                action_type="send_follow_up",
                outcome_type="IMMEDIATE_RESPONSE",
                predicted_confidence=0.5,
                conversation_id=f"batch-{n}",
            )
        assert await asyncio.to_thread(hs.flush, WAIT)
        assert await server.graphql_posts() - before == 5  # 50 + 50 + 50 + 50 + 30
    finally:
        await asyncio.to_thread(hs.close)
    assert hs.stats.sent == 230
    assert (await stored(server, tenant_id))[:2] == (230, 230)


async def test_a_validation_error_goes_to_on_error_and_is_never_retried(
    server: Server, tenant_id: uuid.UUID
) -> None:
    refused: list[Rejected] = []
    hs = client(server, tenant_id, flush_at=100, flush_interval=3600, on_error=refused.append)
    try:
        good = hs.record_outcome(
            action_type="send_follow_up",
            outcome_type="IMMEDIATE_RESPONSE",
            predicted_confidence=0.5,
            conversation_id="ok-1",
        )
        bad = hs.record_outcome(
            action_type="send_follow_up",
            outcome_type="IMMEDIATE_RESPONSE",
            predicted_confidence=1.5,
            conversation_id="bad-1",
        )
        hs.record_signal(kind="CUSTOMER_REPLIED", conversation_id="ok-1")
        unknown = hs.record_signal(kind="NOT_A_KIND", conversation_id="ok-1")  # refuses its call
        assert await asyncio.to_thread(hs.flush, WAIT)
        assert [(r.idempotency_key, r.field) for r in refused] == [  # when flush() returns
            (bad, "predictedConfidence"),
            (unknown, None),
        ]
    finally:
        await asyncio.to_thread(hs.close)
    assert "NOT_A_KIND" in refused[1].message and refused[1].kind == "signal"
    assert (hs.stats.sent, hs.stats.rejected, hs.stats.retried) == (2, 2, 0)
    assert good != bad and await stored(server, tenant_id) == (1, 1, 0, 1)


async def test_a_bad_token_rejects_without_retrying(server: Server, tenant_id: uuid.UUID) -> None:
    refused: list[Rejected] = []
    hs = Hindsight(server.url, "not-a-token", flush_interval=3600, on_error=refused.append)
    try:
        hs.record_signal(kind="CUSTOMER_REPLIED", conversation_id="nobody")
        assert await asyncio.to_thread(hs.flush, WAIT)
    finally:
        await asyncio.to_thread(hs.close)
    assert [r.kind for r in refused] == ["signal"] and "token" in refused[0].message
    assert (hs.stats.sent, hs.stats.rejected, hs.stats.retried) == (0, 1, 0)


async def test_the_async_client_records_flushes_and_closes(
    server: Server, tenant_id: uuid.UUID
) -> None:
    async with AsyncHindsight(
        server.url, token(tenant_id, Role.AGENT), flush_at=7, max_backoff=0.5
    ) as hs:
        for n in range(20):
            await hs.record_outcome(
                action_type="send_follow_up",
                outcome_type="ENGAGEMENT",
                predicted_confidence=0.6,
                conversation_id=f"async-{n}",
            )
            for _ in range(2):  # two replies: POSITIVE, once
                await hs.record_signal(kind="CUSTOMER_REPLIED", conversation_id=f"async-{n}")
        assert await hs.flush(WAIT)
        assert hs.stats.sent == 60
    assert await stored(server, tenant_id) == (20, 20, 0, 40)
    positive = OutcomeRecord.status == "POSITIVE"
    count = select(func.count()).where(OutcomeRecord.tenant_id == tenant_id, positive)
    assert await server.scalar(count) == 20


async def test_a_lost_answer_is_retried_with_the_same_keys(
    server: Server, tenant_id: uuid.UUID
) -> None:
    once = {"HindsightRecordOutcomes", "HindsightRecordSignals"}
    async with lossy(server.url, lose=once) as url:  # each first answer
        hs = client_at(url, tenant_id, flush_at=100, flush_interval=3600)
        try:
            before = await server.graphql_posts()
            for n in range(10):
                engagement(hs, n)
            assert await asyncio.to_thread(hs.flush, WAIT)
        finally:
            await asyncio.to_thread(hs.close)
    assert await server.graphql_posts() - before == 4  # each batch stored, answer lost, again
    assert (hs.stats.sent, hs.stats.retried) == (20, 20)
    assert await stored(server, tenant_id) == (10, 10, 10, 10)  # a doubled reply: POSITIVE


EXITING = """
from hindsight_client import Hindsight
hs = Hindsight(flush_at=100, flush_interval=3600)  # HINDSIGHT_URL / HINDSIGHT_TOKEN
for n in range(25):
    hs.record_outcome(action_type="send_follow_up", outcome_type="IMMEDIATE_RESPONSE",
                      predicted_confidence=0.5, conversation_id=f"exit-{n}")
print(hs.stats.queued)
"""  # no flush(), no close(): the interpreter's exit sends the queue


async def test_interpreter_exit_flushes_with_settings_from_the_environment(
    server: Server, tenant_id: uuid.UUID
) -> None:
    env = {**os.environ, "HINDSIGHT_URL": server.url}
    env["HINDSIGHT_TOKEN"] = token(tenant_id, Role.AGENT)
    agent = await asyncio.create_subprocess_exec(
        sys.executable, "-c", EXITING, env=env, stdout=asyncio.subprocess.PIPE
    )
    output, _ = await asyncio.wait_for(agent.communicate(), WAIT)
    assert agent.returncode == 0 and output.split() == [b"25"]  # all queued at exit
    assert (await stored(server, tenant_id))[:2] == (25, 25)


async def test_a_server_that_runs_trusted_documents_only_runs_the_clients(
    tmp_path: Path, tenant_id: uuid.UUID, caplog: pytest.LogCaptureFixture
) -> None:
    """The manifest ``python -m hindsight_client.documents`` prints is all the agent needs."""
    printing = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hindsight_client.documents", stdout=asyncio.subprocess.PIPE
    )
    printed, _ = await asyncio.wait_for(printing.communicate(), WAIT)
    (tmp_path / "trusted.json").write_bytes(printed)
    trusted = {"HINDSIGHT_TRUSTED_DOCUMENTS": str(tmp_path / "trusted.json")}
    async with running("sqlite", str(tmp_path), **trusted) as server:
        agent = token(tenant_id, Role.AGENT)
        async with httpx.AsyncClient(timeout=30) as http:
            body = {"query": "{ viewer { role } }"}  # not in the manifest
            bearer = {"authorization": f"Bearer {agent}"}
            answer = await http.post(server.url, json=body, headers=bearer)
        assert answer.json()["errors"][0]["extensions"]["code"] == "TRUSTED_DOCUMENT_REQUIRED"
        hs = client(server, tenant_id)
        try:
            engagement(hs, 0)
            assert hs.calibrated_confidence("send_follow_up", 0.4) == 0.4
            assert await asyncio.to_thread(hs.flush, WAIT)
        finally:
            await asyncio.to_thread(hs.close)
        assert (hs.stats.sent, hs.stats.rejected) == (2, 0)
        assert not [r for r in caplog.records if r.name == "hindsight_client"]  # read m = 1
        assert await stored(server, tenant_id) == (1, 1, 1, 1)
