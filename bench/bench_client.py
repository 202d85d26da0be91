"""hindsight-client against a real ``hindsight serve``: what a record costs the agent, how
fast the sender stores them, how many requests that takes, and a cached calibration.

    python bench/bench_client.py [--n 20000] [--flush-at 100] [--postgres]

The server is a child process (SQLite by default; --postgres: a fresh PostgreSQL database
and a Redis of its own), as in tests/client. Requests are the server's own /metrics count.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.client.server import running, token

from hindsight.domain.enums import Role
from hindsight_client import Hindsight


def record_costs(hs: Hindsight, n: int) -> list[float]:
    """Seconds per ``record_outcome`` call, per chunk of 1,000 calls."""
    costs = []
    for lo in range(0, n, 1000):
        started = time.perf_counter()
        for i in range(lo, min(lo + 1000, n)):
            hs.record_outcome(
                action_type="send_follow_up",
                outcome_type="IMMEDIATE_RESPONSE",
                predicted_confidence=0.5,
                conversation_id=f"bench-{i}",
            )
        costs.append((time.perf_counter() - started) / min(1000, n - lo))
    return costs


async def main(n: int, flush_at: int, backend: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with running(backend, folder) as server:
            tenant = uuid.uuid4()
            hs = Hindsight(server.url, token(tenant, Role.AGENT), flush_at=flush_at, max_queue=n)
            before = await server.graphql_posts()
            started = time.perf_counter()
            costs = await asyncio.to_thread(record_costs, hs, n)
            assert await asyncio.to_thread(hs.flush, 600)
            elapsed = time.perf_counter() - started
            requests = await server.graphql_posts() - before
            hs.calibrated_confidence("send_follow_up", 0.5)  # the one read
            calls = 100_000
            t0 = time.perf_counter()
            for _ in range(calls):
                hs.calibrated_confidence("send_follow_up", 0.5)
            cached = (time.perf_counter() - t0) / calls
            await asyncio.to_thread(hs.close)
    print(f"backend {backend}, {n} outcomes, flush_at {flush_at}: {hs.stats}")
    print(
        f"record_outcome: median {statistics.median(costs) * 1e6:.1f} µs per call, "
        f"worst chunk {max(costs) * 1e6:.1f} µs (the agent's cost; no network)"
    )
    print(f"stored: {n / elapsed:,.0f} records/s end to end (first record to flush() True)")
    per = n / max(requests, 1)
    print(f"requests: {requests} POST /graphql for {n} records ({per:.0f} per request)")
    print(f"calibrated_confidence (cached): {cached * 1e9:.0f} ns per call")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--flush-at", type=int, default=100)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(args.n, args.flush_at, "postgres" if args.postgres else "sqlite"))
