"""``calibratedConfidence`` requests/second over HTTP beside a ``{ __typename }`` baseline.

Runs ``uvicorn hindsight.app:create_app`` in a subprocess against a fresh SQLite file (then a
fresh PostgreSQL database, with Redis, when reachable), records and resolves outcomes through
GraphQL, calibrates once, and fires bounded, alternating rounds of requests at a fixed
concurrency with httpx; prints rates, latencies and server CPU per request, with ratios.

    python bench/bench_calibrated_confidence.py [--requests 2000] [--concurrency 20]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.http_load import Result, Target, bearer, measure, report, server
from tests.conftest import create_postgres_database, drop_postgres_database
from tests.services import POSTGRES_URL, REDIS_URL, reachable

from hindsight.auth import issue_token
from hindsight.db import migrate
from hindsight.domain.enums import Role

SECRET = "bench-secret-" + "x" * 32
ACTION = "bench_follow_up"
RECORD = "mutation($i: RecordOutcomeInput!) { recordOutcome(input: $i) { ... on Outcome { id } } }"
RESOLVE = """mutation S($i: ResolveOutcomeInput!) { resolveOutcome(input: $i) { __typename } }"""
RUN = "mutation { runCalibration { actionType multiplier sampleCount } }"
CALIBRATED = """query C($a: String!, $c: Float!, $m: CalibrationMethod) {
  calibratedConfidence(actionType: $a, confidence: $c, method: $m) {
    confidence multiplier observedRate wilsonLow wilsonHigh sampleCount sufficientData } }"""


@contextlib.asynccontextmanager
async def sqlite_database() -> AsyncIterator[str]:
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite+aiosqlite:///{directory}/bench.db"
        await asyncio.to_thread(migrate.upgrade, url)
        yield url


@contextlib.asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    url = await create_postgres_database()
    try:
        yield url
    finally:
        await drop_postgres_database(url)


async def gql(client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str) -> Any:
    body = {"query": query, "variables": variables}
    response = await client.post("/graphql", json=body, headers=bearer(token))
    if "errors" in response.json():
        raise RuntimeError(response.text)
    return response.json()["data"]


async def load(client: httpx.AsyncClient, tenant: uuid.UUID, outcomes: int) -> str:
    """Record and resolve outcomes of an over-confident agent, then calibrate once."""
    agent = issue_token(SECRET, tenant=tenant, role=Role.AGENT, sub="agent")
    rng = np.random.default_rng(1)
    for i in range(outcomes):
        p = float(rng.random())
        status = "POSITIVE" if rng.random() < 0.6 * p else "NEGATIVE"
        record = {"actionType": ACTION, "outcomeType": "IMMEDIATE_RESPONSE"}
        record.update(predictedConfidence=p, conversationId=f"c-{i}")
        outcome_id = (await gql(client, RECORD, {"i": record}, agent))["recordOutcome"]["id"]
        await gql(client, RESOLVE, {"i": {"outcomeId": outcome_id, "status": status}}, agent)
    admin = issue_token(SECRET, tenant=tenant, role=Role.ADMIN, sub="admin")
    curves = (await gql(client, RUN, {}, admin))["runCalibration"]
    print(f"  loaded {outcomes} resolved outcomes; runCalibration -> {curves}")
    return agent


def bodies(requests: int, method: str) -> list[Any]:
    confidences = np.random.default_rng(2).random(requests).tolist()
    variables = [{"a": ACTION, "c": c, "m": method} for c in confidences]
    return [{"query": CALIBRATED, "variables": v} for v in variables]


async def bench_backend(label: str, url: str, redis_url: str | None, args: Any) -> list[Result]:
    print(f"\n[{label}] {url.split('@')[-1]}" + (" + Redis" if redis_url else ""))
    settings = {"HINDSIGHT_DATABASE_URL": url, "HINDSIGHT_JWT_SECRET": SECRET}
    settings.update(HINDSIGHT_RUN_SCHEDULER="false", HINDSIGHT_LOG_LEVEL="WARNING")
    if redis_url:
        settings["HINDSIGHT_REDIS_URL"] = redis_url
    with server(settings) as (base, pid):
        limits = httpx.Limits(max_connections=args.concurrency)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
            token = await load(client, uuid.uuid4(), args.outcomes)
            target = Target(client, pid, token, args.concurrency)
            return await run_cases(target, label, args)


async def run_cases(target: Target, label: str, args: Any) -> list[Result]:
    """Alternating rounds of each case, so load from elsewhere hits every case alike."""
    cases = {
        "{ __typename }": [{"query": "{ __typename }"}],
        "calibratedConfidence MULTIPLIER": bodies(args.requests, "MULTIPLIER"),
        "calibratedConfidence HISTOGRAM": bodies(args.requests, "HISTOGRAM"),
    }
    totals = {name: Result(f"{label}: {name}", 0.0, []) for name in cases}
    for name, payloads in cases.items():  # warm up connections, caches and pools
        await measure(target, name, payloads, 200)
    for _ in range(args.rounds):
        for name, payloads in cases.items():
            run = await measure(target, name, payloads, args.requests // args.rounds)
            totals[name] = totals[name] + run
    return list(totals.values())


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--outcomes", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds per case")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    print(
        f"{args.requests} requests per case in {args.rounds} rounds, concurrency "
        f"{args.concurrency}, one uvicorn worker, {os.cpu_count()} CPUs"
    )
    results = []
    async with sqlite_database() as url:
        results += await bench_backend("sqlite", url, None, args)
    if not args.no_postgres and reachable(POSTGRES_URL):
        redis_url = REDIS_URL if reachable(REDIS_URL) else None
        async with postgres_database() as url:
            results += await bench_backend("postgres", url, redis_url, args)
    elif not args.no_postgres:
        print(f"\nPostgreSQL not reachable at {POSTGRES_URL}: SQLite only")
    report(results)


if __name__ == "__main__":
    asyncio.run(main())
