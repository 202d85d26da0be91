"""What planner statistics are worth to coaching and dashboards on PostgreSQL.

On a database filled by ``hindsight demo`` (login as the tables' owner), wipes the planner
statistics of the analysed tables — as a fresh load leaves them before autovacuum — and
times the coaching and manager-dashboard feedback joins with ``EXPLAIN ANALYZE`` (baseline),
then runs ``hindsight_analyze()`` (what the demo, ``importOutcomes`` and migrations now do)
and times them again, in one run.

Usage: HINDSIGHT_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1/db \\
       python bench/bench_analyze.py [--team team-east] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import re
from typing import Any

import asyncpg
from sqlalchemy import and_, func, select
from sqlalchemy.dialects import postgresql

from hindsight.db.maintenance import ANALYZED
from hindsight.db.models import FeedbackEntry, OutcomeRecord
from hindsight.demo.simulation import DEMO_TENANT
from hindsight.domain.analytics.measures import DashboardScope, Days, feedback_in_scope

WIPE = """DELETE FROM pg_statistic WHERE starelid = ANY($1::regclass[]);
UPDATE pg_class SET reltuples = -1, relpages = 0 WHERE oid = ANY($1::regclass[])"""


def queries(team: str) -> dict[str, Any]:
    """The coaching feedback join and the manager rep-row feedback join, last 30 days."""
    now = dt.datetime.now(dt.UTC)
    days = Days.until(now - dt.timedelta(days=30), now)
    f, o = FeedbackEntry, OutcomeRecord
    coaching = (
        select(o.action_type, func.count(f.id), func.sum(f.score))
        .select_from(f)
        .join(o, and_(o.tenant_id == f.tenant_id, o.id == f.outcome_id))
        .where(f.tenant_id == DEMO_TENANT, f.created_at >= days.start, f.created_at < days.stop)
        .group_by(o.action_type)
    )
    rows = feedback_in_scope(select(o.rep_id), DEMO_TENANT, DashboardScope(team_id=team), days)
    rep_rows = rows.group_by(o.rep_id, f.source, f.rating)
    return {"coaching feedback by action": coaching, "manager rep-row feedback": rep_rows}


async def timed(conn: asyncpg.Connection, stmt: Any, repeat: int) -> tuple[float, str]:
    """Best execution time (ms) of ``EXPLAIN ANALYZE`` and the plan's join node."""
    sql = str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    best, join = float("inf"), ""
    for _ in range(repeat):
        plan = [r[0] for r in await conn.fetch("EXPLAIN ANALYZE " + sql)]
        best = min(best, float(re.findall(r"Execution Time: ([\d.]+)", plan[-1])[0]))
        join = next(
            (line.strip().split("  (")[0] for line in plan if "Join" in line or "Loop" in line), ""
        )
    return best, join.lstrip("-> ")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--team", default="team-east")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    conn = await asyncpg.connect(os.environ["HINDSIGHT_DATABASE_URL"].replace("+asyncpg", ""))
    try:
        outcomes = await conn.fetchval("SELECT count(*) FROM outcome_records")
        print(f"{outcomes} outcomes; best of {args.repeat}")
        print(f"{'query':<30}{'no stats (ms)':>15}{'ANALYZEd (ms)':>15}{'ratio':>8}  plans")
        for name, stmt in queries(args.team).items():
            for query in WIPE.split(";"):
                await conn.execute(query, list(ANALYZED))
            before, plan_before = await timed(conn, stmt, args.repeat)
            await conn.execute("SELECT hindsight_analyze()")
            after, plan_after = await timed(conn, stmt, args.repeat)
            print(
                f"{name:<30}{before:>15.2f}{after:>15.2f}{before / after:>7.0f}x"
                f"  {plan_before} → {plan_after}"
            )
    finally:
        await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
