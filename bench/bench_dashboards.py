"""Dashboards at scale: bulk-load N outcomes into PostgreSQL, then time each dashboard through
GraphQL cold (cache off) and warm, beside a plain ``SELECT count(*)`` over the outcome table.

    python bench/bench_dashboards.py [--outcomes 1000000] [--repeat 5]

The loader COPYs synthetic outcomes (90 days, 4 teams × 6 reps, 8 action types) and builds
their rollups with one INSERT … SELECT … GROUP BY, as ``hindsight`` would have kept them.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import create_postgres_database, drop_postgres_database

from hindsight.app import create_app
from hindsight.auth import issue_token
from hindsight.domain.enums import Role
from hindsight.domain.outcomes.rollups import SLOTS
from hindsight.settings import Settings

TENANT = uuid.UUID("00000000-0000-4000-8000-0000000000b1")
TYPES = ["IMMEDIATE_RESPONSE", "ENGAGEMENT", "QUALIFICATION", "DEAL_PROGRESSION", "ESCALATION"]
STATUSES = ["PENDING", "POSITIVE", "NEGATIVE", "AMBIGUOUS", "EXPIRED"]
# Rollups as the app leaves them: each key over SLOTS rows, the slot being the outcome id
# modulo SLOTS (for SLOTS dividing 16, the id's last hex digit modulo SLOTS).
ROLLUP = f"""
INSERT INTO outcome_rollups (tenant_id, day, rep_id, team_id, action_type, outcome_type,
                             status, slot, count, sum_confidence)
SELECT tenant_id, (created_at AT TIME ZONE 'UTC')::date, coalesce(rep_id, ''),
       coalesce(team_id, ''), action_type, outcome_type, status,
       ('x' || right(id::text, 1))::bit(4)::int % {SLOTS}, count(*), sum(predicted_confidence)
FROM outcome_records GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
"""
BLOCK = "actions successRate engagementScore escalationRate responseQuality { count meanScore }"
QUERIES = {
    "repDashboard": f'{{ repDashboard(repId: "rep-0-0") {{ metrics {{ {BLOCK} }} '
    "trend { day } } }",
    "managerDashboard": f'{{ managerDashboard(teamId: "team-0") {{ metrics {{ {BLOCK} }} '
    "reps { repId metrics { successRate } } coachingOpportunities { subject } } }",
    "executiveSummary": f"{{ executiveSummary {{ metrics {{ {BLOCK} }} automationRate }} }}",
}


def rows(n: int, now: dt.datetime, seed: int = 3):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    created = now - dt.timedelta(days=90) * rng.random(n)
    team, rep = rng.integers(0, 4, n), rng.integers(0, 6, n)
    action, status = rng.integers(0, 8, n), rng.integers(0, 5, n)
    kind = action % 5  # an action type has one outcome type, as the agent's do
    p = rng.random(n)
    for i in range(n):
        c = created[i]
        yield (
            TENANT,
            uuid.uuid4(),
            f"action_{action[i]}",
            TYPES[kind[i]],
            STATUSES[status[i]],
            float(p[i]),
            f"conv-{i}",
            None,
            f"rep-{team[i]}-{rep[i]}",
            f"team-{team[i]}",
            None,
            None,
            c,
            c,
            c + dt.timedelta(hours=24),
            None,
            None,
            None,
        )


async def load(url: str, n: int) -> None:
    connection = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        columns = [
            "tenant_id",
            "id",
            "action_type",
            "outcome_type",
            "status",
            "predicted_confidence",
            "conversation_id",
            "deal_id",
            "rep_id",
            "team_id",
            "metadata",
            "idempotency_key",
            "created_at",
            "recorded_at",
            "window_ends_at",
            "resolved_at",
            "resolution_reason",
            "resolved_by_signal_id",
        ]
        now = dt.datetime.now(dt.UTC)
        step = 200_000
        source = rows(n, now)
        for start in range(0, n, step):
            chunk = [next(source) for _ in range(min(step, n - start))]
            await connection.copy_records_to_table(
                "outcome_records", records=chunk, columns=columns
            )
            print(f"\rloaded {start + len(chunk):,}/{n:,}", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
        await connection.execute(ROLLUP)
        await connection.execute("INSERT INTO tenants VALUES ($1, now())", TENANT)
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


async def count_baseline(url: str, repeat: int) -> float:
    connection = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            await connection.fetchval("SELECT count(*) FROM outcome_records")
            times.append(time.perf_counter() - started)
        return statistics.median(times)
    finally:
        await connection.close()


async def dashboard_times(url: str, ttl: int, repeat: int) -> dict[str, float]:
    settings = Settings(
        database_url=url, jwt_secret="bench-" + "x" * 32, cache_ttl_seconds=ttl, run_scheduler=False
    )
    app = create_app(settings)
    token = issue_token(settings.secret, tenant=TENANT, role=Role.ADMIN, sub="admin")
    headers = {"authorization": f"Bearer {token}"}
    results = {}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench", headers=headers
        ) as http,
    ):
        for name, query in QUERIES.items():
            times = []
            for _ in range(repeat + (1 if ttl else 0)):
                started = time.perf_counter()
                response = await http.post("/graphql", json={"query": query})
                times.append(time.perf_counter() - started)
                assert "errors" not in response.json(), response.json()
            results[name] = statistics.median(times[1:] if ttl else times)
    return results


async def main(n: int, repeat: int) -> None:
    url = await create_postgres_database()
    try:
        await load(url, n)
        baseline = await count_baseline(url, repeat)
        cold = await dashboard_times(url, 0, repeat)
        warm = await dashboard_times(url, 300, repeat)
    finally:
        await drop_postgres_database(url)
    print(f"{n:,} outcomes in PostgreSQL; median of {repeat}; same run")
    print(f"{'query':<34}{'ms':>10}{'vs count(*)':>14}")
    print(f"{'SELECT count(*) FROM outcome_records':<34}{baseline * 1000:>10.1f}{1:>14.3f}")
    for name in QUERIES:
        for label, value in (("cold", cold[name]), ("warm", warm[name])):
            print(f"{name + ' ' + label:<34}{value * 1000:>10.1f}{value / baseline:>14.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--outcomes", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.outcomes, args.repeat))
