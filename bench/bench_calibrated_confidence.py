"""Requests/second of ``calibratedConfidence`` over HTTP, beside a ``{ __typename }`` baseline.

Starts ``uvicorn hindsight.app:create_app`` in a subprocess on 127.0.0.1 against a fresh
SQLite file (and a fresh PostgreSQL database, with Redis when reachable), records and resolves
some outcomes through GraphQL, runs ``runCalibration`` once, then fires a bounded number of
requests at a fixed concurrency with httpx and prints a table with ratios to the baseline.

Usage: python bench/bench_calibrated_confidence.py [--requests 2000] [--concurrency 20]
       [--outcomes 300] [--no-postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from urllib.parse import urlparse

import asyncpg
import httpx
import numpy as np

from hindsight.auth import issue_token
from hindsight.db import migrate
from hindsight.domain.enums import Role

SECRET = "bench-secret-" + "x" * 32
POSTGRES = os.environ.get(
    "HINDSIGHT_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS = os.environ.get("HINDSIGHT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
ACTION = "bench_follow_up"
RECORD = (
    """mutation R($i: RecordOutcomeInput!) { recordOutcome(input: $i) { ... on Outcome { id } } }"""
)
RESOLVE = """mutation S($i: ResolveOutcomeInput!) { resolveOutcome(input: $i) { __typename } }"""
RUN = "mutation { runCalibration { actionType multiplier sampleCount } }"
CALIBRATED = """query C($a: String!, $c: Float!, $m: CalibrationMethod) {
  calibratedConfidence(actionType: $a, confidence: $c, method: $m) {
    confidence multiplier observedRate wilsonLow wilsonHigh sampleCount sufficientData } }"""


@dataclass(frozen=True)
class Result:
    name: str
    seconds: float
    latencies: list[float]
    server_cpu: float = 0.0  # CPU seconds the server process spent on these requests
    client_cpu: float = 0.0  # CPU seconds this (client) process spent sending them

    def __add__(self, other: Result) -> Result:
        return Result(
            self.name,
            self.seconds + other.seconds,
            self.latencies + other.latencies,
            self.server_cpu + other.server_cpu,
            self.client_cpu + other.client_cpu,
        )

    def per_request_ms(self, cpu: float) -> float:
        return cpu / len(self.latencies) * 1000

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds

    def quantile(self, q: float) -> float:
        return float(np.quantile(self.latencies, q)) * 1000


def reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 0), 1):
            return True
    except OSError:
        return False


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux ``/proc``); 0.0 where unavailable."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(database_url: str, redis_url: str | None) -> Iterator[tuple[str, int]]:
    """Run the app under uvicorn in a subprocess; yields its base URL and pid."""
    port = free_port()
    env = {
        **os.environ,
        "HINDSIGHT_DATABASE_URL": database_url,
        "HINDSIGHT_JWT_SECRET": SECRET,
        "HINDSIGHT_RUN_SCHEDULER": "false",
        "HINDSIGHT_LOG_LEVEL": "WARNING",
    }
    env.pop("HINDSIGHT_REDIS_URL", None)
    if redis_url:
        env["HINDSIGHT_REDIS_URL"] = redis_url
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "hindsight.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    process = subprocess.Popen(command, env=env)
    try:
        _wait_healthy(f"http://127.0.0.1:{port}", process)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_healthy(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server exited during start-up")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError("the server did not become healthy")


@contextlib.asynccontextmanager
async def sqlite_database() -> AsyncIterator[str]:
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite+aiosqlite:///{directory}/bench.db"
        await asyncio.to_thread(migrate.upgrade, url)
        yield url


@contextlib.asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    name = f"hindsight_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(POSTGRES)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES.replace("postgresql://", "postgresql+asyncpg://").rsplit("/", 1)[0] + "/" + name
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def gql(
    client: httpx.AsyncClient, query: str, variables: dict[str, object], token: str
) -> dict[str, object]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"authorization": f"Bearer {token}"},
    )
    body = response.json()
    if "errors" in body:
        raise RuntimeError(body["errors"])
    return body["data"]  # type: ignore[no-any-return]


async def load(client: httpx.AsyncClient, tenant: uuid.UUID, outcomes: int) -> str:
    """Record and resolve outcomes of an over-confident agent, then calibrate once."""
    agent = issue_token(SECRET, tenant=tenant, role=Role.AGENT, sub="agent")
    admin = issue_token(SECRET, tenant=tenant, role=Role.ADMIN, sub="admin")
    rng = np.random.default_rng(1)
    for i in range(outcomes):
        p = float(rng.random())
        status = "POSITIVE" if rng.random() < 0.6 * p else "NEGATIVE"
        record = {
            "actionType": ACTION,
            "outcomeType": "IMMEDIATE_RESPONSE",
            "predictedConfidence": p,
            "conversationId": f"c-{i}",
        }
        created = await gql(client, RECORD, {"i": record}, agent)
        outcome_id = created["recordOutcome"]["id"]  # type: ignore[index]
        await gql(client, RESOLVE, {"i": {"outcomeId": outcome_id, "status": status}}, agent)
    curves = await gql(client, RUN, {}, admin)
    print(f"  loaded {outcomes} resolved outcomes; runCalibration -> {curves['runCalibration']}")
    return agent


async def measure(
    client: httpx.AsyncClient, name: str, body: object, token: str, requests: int, concurrency: int
) -> Result:
    """``requests`` POSTs from ``concurrency`` workers; each latency recorded."""
    payloads = body if isinstance(body, list) else [body] * requests
    queue = iter(range(requests))
    latencies: list[float] = []
    headers = {"authorization": f"Bearer {token}"}

    async def worker() -> None:
        for i in queue:
            start = time.perf_counter()
            response = await client.post(
                "/graphql", json=payloads[i % len(payloads)], headers=headers
            )
            latencies.append(time.perf_counter() - start)
            if response.status_code != 200 or "errors" in response.json():
                raise RuntimeError(response.text)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Result(name, time.perf_counter() - start, latencies)


def bodies(requests: int, method: str) -> list[dict[str, object]]:
    confidences = np.random.default_rng(2).random(requests)
    return [
        {"query": CALIBRATED, "variables": {"a": ACTION, "c": float(c), "m": method}}
        for c in confidences
    ]


async def bench_backend(
    label: str, url: str, redis_url: str | None, args: argparse.Namespace
) -> list[Result]:
    print(f"\n[{label}] {url.split('@')[-1]}" + (" + Redis" if redis_url else ""))
    with server(url, redis_url) as (base, pid):
        limits = httpx.Limits(max_connections=args.concurrency)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
            token = await load(client, uuid.uuid4(), args.outcomes)
            cases = [
                ("{ __typename }", {"query": "{ __typename }"}),
                ("calibratedConfidence MULTIPLIER", bodies(args.requests, "MULTIPLIER")),
                ("calibratedConfidence HISTOGRAM", bodies(args.requests, "HISTOGRAM")),
            ]
            for _, body in cases:  # warm up connections, caches and the pool
                await measure(client, "warmup", body, token, 200, args.concurrency)
            return await interleaved(client, pid, label, cases, token, args)


async def interleaved(
    client: httpx.AsyncClient,
    pid: int,
    label: str,
    cases: list[tuple[str, object]],
    token: str,
    args: argparse.Namespace,
) -> list[Result]:
    """Run the cases in alternating rounds, so load from elsewhere hits each case alike;
    the server's own CPU time per request is measured too (independent of that load)."""
    per_round = args.requests // args.rounds
    totals = {name: Result(f"{label}: {name}", 0.0, []) for name, _ in cases}
    for _ in range(args.rounds):
        for name, body in cases:
            server_before, client_before = cpu_seconds(pid), time.process_time()
            r = await measure(client, name, body, token, per_round, args.concurrency)
            cpu = Result(
                name, 0.0, [], cpu_seconds(pid) - server_before, time.process_time() - client_before
            )
            totals[name] = totals[name] + r + cpu
    return list(totals.values())


def report(results: list[Result]) -> None:
    header = (
        f"{'case':<38} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'vs base':>8} "
        f"{'server CPU ms/req':>18} {'vs base':>8} {'client CPU ms/req':>18}"
    )
    print("\n" + header + "\n" + "-" * len(header))
    base = results[0]
    for r in results:
        if r.name.endswith("{ __typename }"):
            base = r
        server_ms = r.per_request_ms(r.server_cpu)
        print(
            f"{r.name:<38} {r.rps:>6.0f} {r.quantile(0.5):>7.1f} {r.quantile(0.95):>7.1f} "
            f"{r.rps / base.rps:>7.2f}x {server_ms:>18.2f} "
            f"{server_ms / base.per_request_ms(base.server_cpu):>7.2f}x "
            f"{r.per_request_ms(r.client_cpu):>18.2f}"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--outcomes", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds per case")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    print(
        f"{args.requests} requests per case in {args.rounds} alternating rounds, "
        f"concurrency {args.concurrency}, one uvicorn worker, {os.cpu_count()} CPUs"
    )
    results = []
    async with sqlite_database() as url:
        results += await bench_backend("sqlite", url, None, args)
    if not args.no_postgres and reachable(POSTGRES):
        redis_url = REDIS if reachable(REDIS) else None
        async with postgres_database() as url:
            results += await bench_backend("postgres", url, redis_url, args)
    elif not args.no_postgres:
        print(f"\nPostgreSQL not reachable at {POSTGRES}: SQLite only")
    report(results)


if __name__ == "__main__":
    asyncio.run(main())
