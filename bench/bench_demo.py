"""How long `hindsight demo` takes to load, and its rows/s, beside a baseline run in the same
process: the same number of rows written by plain multi-row INSERTs into a bare table (no
domain rules, no indexes), which is as fast as any bulk path on that database can go.

    python bench/bench_demo.py [--outcomes 2000] [--postgres]

SQLite (what `make serve` uses) by default, a fresh file; ``--postgres`` a fresh database
built by the migrations (needs PostgreSQL on 127.0.0.1:5432, as the tests do).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import create_postgres_database, drop_postgres_database

from hindsight.db import migrate
from hindsight.demo.run import run_demo
from hindsight.settings import Settings

TABLES = ("outcome_records", "signals", "feedback_entries")


async def rows_written(url: str) -> int:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            counts = [
                (await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
                for table in TABLES
            ]
    finally:
        await engine.dispose()
    return int(sum(counts))


async def baseline(url: str, rows: int) -> float:
    """Seconds to write ``rows`` rows of a similar width with multi-row INSERTs, 500 a time."""
    engine = create_async_engine(url)
    row = {"a": "send_follow_up", "b": "conv-000001", "c": 0.5, "d": "rep-ana", "e": "{}"}
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("CREATE TABLE bench_rows (a text, b text, c float, d text, e text)")
            )
        started = time.perf_counter()
        async with engine.begin() as connection:
            insert = text("INSERT INTO bench_rows VALUES (:a, :b, :c, :d, :e)")
            for i in range(0, rows, 500):
                await connection.execute(insert, [row] * min(500, rows - i))
        seconds = time.perf_counter() - started
        async with engine.begin() as connection:
            await connection.execute(text("DROP TABLE bench_rows"))
    finally:
        await engine.dispose()
    return seconds


async def measure(url: str, outcomes: int) -> None:
    settings = Settings(database_url=url, jwt_secret="bench-" + "x" * 32, run_scheduler=False)
    started = time.perf_counter()
    await run_demo(settings, n=outcomes)
    seconds = time.perf_counter() - started
    rows = await rows_written(url)
    base = await baseline(url, rows)
    print(f"database           {url.split(':', 1)[0]}")
    print(f"rows written       {rows} (outcomes, signals, feedback; plus rollups and bins)")
    print(f"baseline (INSERT)  {base:8.2f} s  {rows / base:10.0f} rows/s")
    print(f"hindsight demo     {seconds:8.2f} s  {rows / seconds:10.0f} rows/s")
    print(f"ratio              {seconds / base:8.1f}x the bare INSERT time")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outcomes", type=int, default=2000)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    if args.postgres:
        url = await create_postgres_database()
        try:
            await measure(url, args.outcomes)
        finally:
            await drop_postgres_database(url)
        return
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        await asyncio.to_thread(migrate.upgrade, url)
        await measure(url, args.outcomes)


if __name__ == "__main__":
    asyncio.run(main())
