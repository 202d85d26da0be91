"""Throughput of recordOutcome and of recordSignal-resolves-outcome through the GraphQL API
on PostgreSQL, beside a raw asyncpg single-row INSERT baseline run in the same process.

    python bench/bench_outcomes.py [--n 2000] [--concurrency 16]

The API runs in-process (ASGI transport: Starlette + Strawberry + SQLAlchemy, no socket),
on a fresh database built by the migrations, with RLS on, as in production.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import create_postgres_database, drop_postgres_database

from hindsight.app import create_app
from hindsight.auth import issue_token
from hindsight.domain.enums import Role
from hindsight.settings import Settings

RECORD = """mutation($i: RecordOutcomeInput!) { recordOutcome(input: $i) { __typename } }"""
SIGNAL = """mutation($i: RecordSignalInput!) { recordSignal(input: $i) {
  ... on SignalRecorded { resolved { id } } } }"""


async def timed(n: int, concurrency: int, one: Callable[[int], Awaitable[None]]) -> float:
    """Operations per second for ``n`` calls of ``one`` with ``concurrency`` in flight."""
    limit = asyncio.Semaphore(concurrency)

    async def guarded(i: int) -> None:
        async with limit:
            await one(i)

    started = time.perf_counter()
    await asyncio.gather(*(guarded(i) for i in range(n)))
    return n / (time.perf_counter() - started)


async def raw_baseline(url: str, n: int, concurrency: int) -> float:
    dsn = url.replace("+asyncpg", "")
    pool = await asyncpg.create_pool(dsn, min_size=concurrency, max_size=concurrency)
    await pool.execute(
        "CREATE TABLE bench_raw (id uuid PRIMARY KEY, action_type text, confidence float8,"
        " conversation_id text, created_at timestamptz DEFAULT now())"
    )

    async def insert(i: int) -> None:
        await pool.execute(
            "INSERT INTO bench_raw (id, action_type, confidence, conversation_id)"
            " VALUES ($1, $2, $3, $4)",
            uuid.uuid4(),
            "send_follow_up",
            0.5,
            f"conv-{i}",
        )

    rate = await timed(n, concurrency, insert)
    await pool.close()
    return rate


async def api_rates(url: str, n: int, concurrency: int, spread: bool) -> tuple[float, float]:
    """Record then resolve ``n`` outcomes; ``spread`` gives them many reps and action types
    (distinct rollup and calibration rows), otherwise they all share one (the hot row)."""
    settings = Settings(database_url=url, jwt_secret="bench-" + "x" * 32, run_scheduler=False)
    app = create_app(settings)
    token = issue_token(settings.secret, tenant=uuid.uuid4(), role=Role.AGENT, sub="agent")
    headers = {"authorization": f"Bearer {token}"}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench", headers=headers
        ) as http,
    ):

        async def record(i: int) -> None:
            body = {
                "i": {
                    "actionType": f"action_{i % 8}" if spread else "send_follow_up",
                    "repId": f"rep-{i % 64}" if spread else "rep-0",
                    "outcomeType": "IMMEDIATE_RESPONSE",
                    "predictedConfidence": (i % 100) / 100,
                    "conversationId": f"conv-{i}",
                }
            }
            r = await http.post("/graphql", json={"query": RECORD, "variables": body})
            assert r.json()["data"]["recordOutcome"]["__typename"] == "Outcome"

        async def resolve(i: int) -> None:
            body = {"i": {"kind": "CUSTOMER_REPLIED", "conversationId": f"conv-{i}"}}
            r = await http.post("/graphql", json={"query": SIGNAL, "variables": body})
            assert len(r.json()["data"]["recordSignal"]["resolved"]) == 1

        return await timed(n, concurrency, record), await timed(n, concurrency, resolve)


async def main(n: int, concurrency: int) -> None:
    url = await create_postgres_database()
    try:
        baseline = await raw_baseline(url, n, concurrency)
        hot = await api_rates(url, n, concurrency, spread=False)
        spread = await api_rates(url, n, concurrency, spread=True)
    finally:
        await drop_postgres_database(url)
    print(f"n={n} concurrency={concurrency} (PostgreSQL, same process, same run)")
    print(f"{'operation':<58}{'ops/s':>10}{'vs raw':>10}")
    for name, rate in [
        ("raw asyncpg INSERT (baseline)", baseline),
        ("recordOutcome, one rep + action (hot rollup row)", hot[0]),
        ("recordOutcome, 64 reps x 8 actions", spread[0]),
        ("recordSignal resolving 1 outcome, hot rows", hot[1]),
        ("recordSignal resolving 1 outcome, spread rows", spread[1]),
    ]:
        print(f"{name:<58}{rate:>10.0f}{rate / baseline:>10.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    asyncio.run(main(args.n, args.concurrency))
