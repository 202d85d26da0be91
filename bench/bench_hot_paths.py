"""The agent's hot paths over real HTTP (wrk) against one ``hindsight serve``-like process on
PostgreSQL + Redis, A/B interleaved with their baselines in the same run (Step 11).

Baselines: a bare Starlette + asyncpg insert endpoint (``bench/baseline_server.py``) and
``{ __typename }`` on the same Hindsight server. Cases: ``recordOutcome``, ``recordSignal``
resolving one outcome, ``outcomes(first: 20)``, ``calibratedConfidence``, and the batch
mutations ``recordOutcomes`` / ``recordSignals`` (500 items). RLS, exactly-once,
idempotency, validation and events after commit stay on; any error fails the case. The
prepared rows are ANALYZEd before the rounds (``analyze``).
The server's RSS is sampled after the load of every round (goal 6).

    .venv/bin/python bench/bench_hot_paths.py [--seconds 5] [--rounds 3] [--connections 16]
        [--pgbouncer]   # Hindsight behind PgBouncer in transaction mode (baseline direct)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import wrk_runner
from bench.http_load import server
from bench.wrk_runner import Case, Totals
from tests.conftest import create_postgres_database, drop_postgres_database
from tests.pooler import pgbouncer
from tests.services import REDIS_URL

from hindsight.auth import issue_token
from hindsight.domain.enums import Role

SECRET = "bench-secret-" + "x" * 32
OUTCOME = {
    "actionType": "send_follow_up",
    "outcomeType": "IMMEDIATE_RESPONSE",
    "predictedConfidence": 0.7,
    "conversationId": "c-{n}",
}
RECORD = "mutation($i: RecordOutcomeInput!) { recordOutcome(input: $i) { __typename } }"
SIGNAL = """mutation($i: RecordSignalInput!) {
  recordSignal(input: $i) { ... on SignalRecorded { resolved { id status } } } }"""
RECORD_MANY = """mutation($i: [RecordOutcomeInput!]!) {
  recordOutcomes(inputs: $i) { __typename } }"""
SIGNAL_MANY = """mutation($i: [RecordSignalInput!]!) {
  recordSignals(inputs: $i) { ... on SignalRecorded { resolved { id } } } }"""
PAGE = "{ outcomes(first: 20) { edges { node { id status actionType repId createdAt } } } }"
CALIBRATED = """{ calibratedConfidence(actionType: "send_follow_up", confidence: 0.7) {
  confidence multiplier sampleCount } }"""
BATCH = 500
BASELINE = "bench.baseline_server:app"


def body(query: str, variables: object = None) -> str:
    return json.dumps({"query": query, "variables": {"i": variables} if variables else {}})


def listed(query: str) -> str:
    """A body whose ``$i`` is the list wrk builds from ``{items}``."""
    return json.dumps({"query": query, "variables": {"i": "ITEMS"}}).replace('"ITEMS"', "[{items}]")


def cases(agent: str, admin: str) -> list[Case]:
    signal = {"kind": "CUSTOMER_REPLIED", "conversationId": "s-{n}"}
    return [
        Case("bare Starlette + asyncpg insert", "/insert", body(RECORD, OUTCOME)),
        Case("{ __typename }", "/graphql", body("{ __typename }"), admin),
        Case("recordOutcome", "/graphql", body(RECORD, OUTCOME), agent),
        Case("recordSignal resolving one outcome", "/graphql", body(SIGNAL, signal), agent),
        Case("outcomes(first: 20)", "/graphql", body(PAGE), admin),
        Case("calibratedConfidence", "/graphql", body(CALIBRATED), admin),
        Case("recordOutcomes x500", "/graphql", listed(RECORD_MANY), agent,
             json.dumps({**OUTCOME, "conversationId": "b-{n}"}), BATCH, 2),
        Case("recordSignals x500 (each resolving one)", "/graphql", listed(SIGNAL_MANY), agent,
             json.dumps({**signal, "conversationId": "t-{n}"}), BATCH, 2),
    ]  # fmt: skip


async def prepare(base: str, agent: str, prefix: str, count: int) -> None:
    """``count`` pending outcomes ``{prefix}-{n}`` (n from 1) for the signal cases."""
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        for start in range(1, count + 1, BATCH):
            inputs = [
                {**OUTCOME, "conversationId": f"{prefix}-{n}"}
                for n in range(start, min(start + BATCH, count + 1))
            ]
            payload = {"query": RECORD_MANY, "variables": {"i": inputs}}
            response = await client.post("/graphql", json=payload, headers=_auth(agent))
            assert "errors" not in response.json(), response.text[:500]


async def analyze(url: str) -> None:
    """Planner statistics for the prepared rows, as autovacuum leaves them within a minute
    of a bulk load in production: without them the signal and list queries pick
    whole-tenant index scans (20 ms a signal instead of 8, at 40,000 outcomes), and the
    bench would measure the minute after the load rather than the steady state."""
    connection = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


def _auth(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def prefix_of(case: Case) -> str:
    return "t" if case.items else "s"


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        line = next(x for x in status if x.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


@dataclass(frozen=True)
class Servers:
    """Where each case is sent: Hindsight, or the bare baseline for ``/insert``."""

    hindsight: tuple[str, int]
    bare: tuple[str, int]

    def of(self, case: Case) -> tuple[str, int]:
        return self.bare if case.path == "/insert" else self.hindsight


def run_round(
    servers: Servers, chosen: list[Case], totals: dict[str, Totals], round_: int, args: Any
) -> None:
    """Each case once, in order (round 0 warms up and is not counted)."""
    ready = {"s": args.signals, "t": args.batch_signals}
    for case in chosen:
        sink = totals[case.name] if round_ else Totals()
        base, pid = servers.of(case)
        seconds = 2 if round_ == 0 else args.seconds
        offset = round_ * ready[prefix_of(case)]
        sent = wrk_runner.run(case, base, pid, sink, seconds=seconds,
                              connections=args.connections, offset=offset)  # fmt: skip
        print(f"  round {round_} {case.name}: {sent} requests", flush=True)
        if "Signal" in case.name and sent * case.rows_per_request > ready[prefix_of(case)]:
            print(f"warning: {case.name} outran its {ready[prefix_of(case)]} pending outcomes")


async def bench(url: str, args: argparse.Namespace) -> tuple[dict[str, Totals], list[float]]:
    if not args.pgbouncer:
        return await bench_on(url, url, args)
    async with pgbouncer() as pooler:
        return await bench_on(url, pooler.url(url), args)


async def bench_on(
    url: str, hindsight_url: str, args: argparse.Namespace
) -> tuple[dict[str, Totals], list[float]]:
    """Hindsight on ``hindsight_url`` (the database itself or a pooler in front of it), the
    bare baseline on ``url``."""
    tenant = uuid.uuid4()
    agent = issue_token(SECRET, tenant=tenant, role=Role.AGENT, sub="agent")
    admin = issue_token(SECRET, tenant=tenant, role=Role.ADMIN, sub="admin")
    settings = {"HINDSIGHT_DATABASE_URL": hindsight_url, "HINDSIGHT_JWT_SECRET": SECRET}
    if hindsight_url != url:
        settings["HINDSIGHT_DATABASE_POOLER"] = "transaction"
    settings |= {"HINDSIGHT_REDIS_URL": REDIS_URL, "HINDSIGHT_RUN_SCHEDULER": "false"}
    settings |= {"HINDSIGHT_LOG_LEVEL": "WARNING"}
    bare = {"BASELINE_DATABASE_URL": url.replace("+asyncpg", "")}
    chosen = [
        c for c in cases(agent, admin) if not args.only or any(w in c.name for w in args.only)
    ]
    totals = {c.name: Totals() for c in chosen}
    rss: list[float] = []
    with server(settings) as hindsight, server(bare, BASELINE, "/echo") as baseline:
        servers = Servers(hindsight, baseline)
        for prefix, count in {"s": args.signals, "t": args.batch_signals}.items():
            await prepare(hindsight[0], agent, prefix, count * (args.rounds + 1))
        await analyze(url)
        for round_ in range(args.rounds + 1):
            run_round(servers, chosen, totals, round_, args)
            rss.append(rss_mb(hindsight[1]))
        if args.soak:
            rss.append(soak(hindsight, cases(agent, admin)[2], args))
    return totals, rss


def soak(hindsight: tuple[str, int], record: Case, args: Any) -> float:
    """``recordOutcome`` load for ``--soak`` seconds (goal 6); the highest RSS seen, sampled
    every 5 s."""
    highest, sink = 0.0, Totals()
    for n in range(0, args.soak, 5):
        offset = 10_000_000 + n * 10_000
        wrk_runner.run(record, *hindsight, sink, seconds=5, connections=args.connections,
                       offset=offset)  # fmt: skip
        highest = max(highest, rss_mb(hindsight[1]))
    print(f"  soak: {sink.requests} recordOutcome in {sink.seconds:.0f}s, highest RSS "
          f"{highest:.0f} MB")  # fmt: skip
    return highest


def report(totals: dict[str, Totals], rss: list[float]) -> None:
    header = f"{'case':<42} {'req/s':>8} {'rows/s':>8} {'p50 ms':>7} {'p99 ms':>8}"
    print("\n" + header + f" {'CPU ms/req':>10} {'errors':>6}\n" + "-" * (len(header) + 18))
    for name, t in totals.items():
        rows = t.rps * (BATCH if "x500" in name else 1)
        print(
            f"{name:<42} {t.rps:>8.0f} {rows:>8.0f} {t.p50_ms:>7.1f} {t.p99_ms:>8.1f} "
            f"{t.cpu_ms:>10.2f} {t.errors:>6}"
        )
    print(
        "\nserver RSS after each round (MB; the last: --soak):",
        ", ".join(f"{x:.0f}" for x in rss),
    )


def goals(t: dict[str, Totals]) -> None:
    bare, typename = t["bare Starlette + asyncpg insert"], t["{ __typename }"]
    record, signal = t["recordOutcome"], t["recordSignal resolving one outcome"]
    rows = {
        "recordOutcomes": t["recordOutcomes x500"].rps * BATCH / record.rps,
        "recordSignals": t["recordSignals x500 (each resolving one)"].rps * BATCH / signal.rps,
    }
    checks = [  # issue 14's table, then Step 11's other goals
        ("recordOutcome CPU vs { __typename }", record.cpu_ms / typename.cpu_ms, "<=", 2.5),
        ("outcomes(first: 20) req/s vs { __typename }", t["outcomes(first: 20)"].rps
         / typename.rps, ">=", 0.35),
        ("calibratedConfidence req/s vs { __typename }", t["calibratedConfidence"].rps
         / typename.rps, ">=", 0.65),
        ("recordSignal CPU vs recordOutcome", signal.cpu_ms / record.cpu_ms, "<=", 1.5),
        ("recordOutcomes rows/s vs recordOutcome", rows["recordOutcomes"], ">=", 15.0),
        ("recordSignals rows/s vs recordSignal", rows["recordSignals"], ">=", 15.0),
        ("recordOutcome req/s vs bare insert", record.rps / bare.rps, ">=", 0.25),
        ("recordOutcome p99 vs bare p99", record.p99_ms / bare.p99_ms, "<=", 4.0),
    ]  # fmt: skip
    print(f"\n{'goal':<50} {'ratio':>7}  target   met")
    for name, ratio, op, bound in checks:
        met = ratio <= bound if op == "<=" else ratio >= bound
        print(f"{name:<50} {ratio:>7.3f}  {op} {bound:<5} {'yes' if met else 'NO'}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5, help="per case and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--signals", type=int, default=6000, help="outcomes per round")
    parser.add_argument("--batch-signals", type=int, default=8000, help="for recordSignals")
    parser.add_argument("--only", nargs="*", default=[], help="run cases whose name has …")
    parser.add_argument("--soak", type=int, default=0, help="seconds of recordOutcome (goal 6)")
    parser.add_argument("--pgbouncer", action="store_true", help="Hindsight behind PgBouncer")
    args = parser.parse_args()
    wrk_runner.require_wrk()
    url = await create_postgres_database()
    try:
        totals, rss = await bench(url, args)
    finally:
        await drop_postgres_database(url)
    totals = {name: t for name, t in totals.items() if t.requests}
    behind = " (Hindsight behind PgBouncer, transaction mode)" if args.pgbouncer else ""
    print(f"wrk -t1 -c{args.connections}, {args.rounds} rounds x {args.seconds}s per case{behind}")
    report(totals, rss)
    if len(totals) == len(cases("", "")):
        goals(totals)


if __name__ == "__main__":
    asyncio.run(main())
