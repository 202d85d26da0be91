"""Where a hot path's server CPU goes: py-spy samples one ``hindsight serve``-like process
(PostgreSQL + Redis, RLS on) while wrk sends one case of ``bench_hot_paths.py``, then this
prints where the samples ran (by package) and the share of samples under each frame
(inclusive), most first.

    .venv/bin/python bench/profile_hot_path.py recordOutcome [--seconds 15] [--top 40]
        [--keep stacks.txt]   # keep the collapsed stacks (for flamegraph.pl, speedscope)

Needs ``py-spy`` (``pip install py-spy``) and permission to ptrace the server (root, or
``kernel.yama.ptrace_scope=0``).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import wrk_runner
from bench.bench_hot_paths import SECRET, analyze, cases, prepare
from bench.http_load import server
from bench.wrk_runner import Totals
from tests.conftest import create_postgres_database, drop_postgres_database
from tests.services import REDIS_URL

from hindsight.auth import issue_token
from hindsight.domain.enums import Role


def collapsed_shares(path: Path) -> list[tuple[float, str]]:
    """(share of samples, frame) for every frame, counted once per sample it appears in."""
    totals: collections.Counter[str] = collections.Counter()
    samples = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        samples += int(count)
        for frame in set(stack.split(";")):
            totals[frame] += int(count)
    return sorted(((n / samples, frame) for frame, n in totals.items()), reverse=True)


def by_package(path: Path) -> list[tuple[float, str]]:
    """(share of samples, package) by where each sample was running (its innermost frame):
    ``sqlalchemy``, ``asyncpg``, ``strawberry``, ``hindsight``…"""
    totals: collections.Counter[str] = collections.Counter()
    samples = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        samples += int(count)
        found = re.search(r"\((.*?):\d+\)", stack.split(";")[-1])
        where = found.group(1) if found else "(idle or native)"
        totals[where.split("/")[0] if "/" in where else where] += int(count)
    return sorted(((n / samples, name) for name, n in totals.items()), reverse=True)


def profile(pid: int, seconds: int, out: Path) -> None:
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    command = [py_spy, "record", "-p", str(pid), "-d", str(seconds), "-r", "200", "-o", str(out)]
    subprocess.run([*command, "-f", "raw", "--nonblocking"], check=True, capture_output=True)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("case", help="a case name of bench_hot_paths.py (a substring)")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--keep", type=Path, help="keep the collapsed stacks here")
    args = parser.parse_args()
    url = await create_postgres_database()
    try:
        await run(url, args)
    finally:
        await drop_postgres_database(url)


async def run(url: str, args: argparse.Namespace) -> None:
    tenant = uuid.uuid4()
    agent = issue_token(SECRET, tenant=tenant, role=Role.AGENT, sub="agent")
    admin = issue_token(SECRET, tenant=tenant, role=Role.ADMIN, sub="admin")
    case = next(c for c in cases(agent, admin)[1:] if args.case in c.name)
    settings = {"HINDSIGHT_DATABASE_URL": url, "HINDSIGHT_JWT_SECRET": SECRET}
    settings |= {"HINDSIGHT_REDIS_URL": REDIS_URL, "HINDSIGHT_RUN_SCHEDULER": "false"}
    settings |= {"HINDSIGHT_LOG_LEVEL": "WARNING"}
    with server(settings) as (base, pid), tempfile.TemporaryDirectory() as tmp:
        await prepare(base, agent, "s" if not case.items else "t", 20_000)
        await analyze(url)
        wrk_runner.run(case, base, pid, Totals(), seconds=2, connections=16, offset=0)
        out = Path(tmp) / "stacks.txt"
        sampler = threading.Thread(target=profile, args=(pid, args.seconds, out))
        sampler.start()
        totals = Totals()
        wrk_runner.run(case, base, pid, totals, seconds=args.seconds, connections=16,
                       offset=10_000)  # fmt: skip
        sampler.join()
        print(f"{case.name}: {totals.rps:.0f} req/s, {totals.cpu_ms:.2f} ms CPU per request\n")
        print("where the samples ran (innermost frame's package):")
        for share, package in by_package(out)[:15]:
            print(f"{share:6.1%}  {package}")
        print("\nframes on the stack (inclusive):")
        for share, frame in collapsed_shares(out)[: args.top]:
            print(f"{share:6.1%}  {frame}")
        if args.keep:
            shutil.copy(out, args.keep)


if __name__ == "__main__":
    asyncio.run(main())
