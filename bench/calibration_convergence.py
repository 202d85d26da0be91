"""A convergence run on the demo data: the multiplier of every action type after each of
``--runs`` calibration runs on unchanged data, starting from 1.0 (docs/concepts/calibration.md).

Loads the demo into a fresh database (``HINDSIGHT_DATABASE_URL``, default a temporary
SQLite file), forgets the demo's own calibration runs, then runs ``run_calibration`` as the
scheduled job does and prints one row per run: changes until each multiplier is within
0.01 of its target m*, then nothing.

Usage: python bench/calibration_convergence.py [--outcomes 2000] [--seed 7] [--runs 20]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import tempfile

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from hindsight.db import migrate
from hindsight.db.models import CalibrationAdjustment, CalibrationState
from hindsight.demo.simulation import DEMO_TENANT, load_demo
from hindsight.domain.calibration import confidence as calibration
from hindsight.domain.calibration.controller import stated_gap, target_multiplier
from hindsight.domain.calibration.curves import CurveReport
from hindsight.services import Services, build_services
from hindsight.settings import Settings

TENANT = DEMO_TENANT


async def _forget_runs(session: AsyncSession) -> None:
    for model in (CalibrationState, CalibrationAdjustment):
        await session.execute(delete(model).where(model.tenant_id == TENANT))


def _sums(report: CurveReport) -> tuple[float, float, int]:
    bins = [b for b in report.curve.bins if b.count]
    sum_p = sum(b.count * (b.mean_predicted or 0.0) for b in bins)
    sum_y = sum(b.count * (b.observed_rate or 0.0) for b in bins)
    return sum_p, sum_y, report.curve.sample_count


async def convergence(services: Services, runs: int) -> tuple[list[CurveReport], list[list[float]]]:
    """The curves before the first run and the multipliers after each run."""
    await services.db.run(TENANT, _forget_runs)
    policy = calibration.Policy.from_settings(services.settings)
    start = services.now()
    path: list[list[float]] = []
    curves: list[CurveReport] = []
    for i in range(runs):
        now = start + dt.timedelta(hours=6 * (i + 1))  # the 6-hourly schedule

        async def run(session: AsyncSession, at: dt.datetime = now) -> list[CurveReport]:
            return await calibration.run_calibration(session, TENANT, policy=policy, now=at)

        curves = await services.db.run(TENANT, run)
        path.append([c.multiplier for c in curves])
    return curves, path


def table(curves: list[CurveReport], path: list[list[float]], policy: calibration.Policy) -> str:
    names = [c.action_type for c in curves]
    widths = [max(len(n), 7) + 1 for n in names]

    def line(label: str, cells: list[str]) -> str:
        return f"{label:<10}" + "".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True))

    lines = [line("", names)]
    sums = [_sums(c) for c in curves]
    rows = {
        "N": [f"{n}" for _, _, n in sums],
        "gap": [f"{stated_gap(*s) or 0:+.3f}" for s in sums],
        "target m*": [f"{target_multiplier(*s, policy):.4f}" for s in sums],
        "start": ["1.0000"] * len(curves),
    }
    lines += [line(label, cells) for label, cells in rows.items()]
    previous = [1.0] * len(curves)
    for i, row in enumerate(path, start=1):
        cells = [f"{m:.4f}" if m != p else "·" for m, p in zip(row, previous, strict=True)]
        lines.append(line(f"run {i}", cells))
        previous = row
    final = zip(path[-1], sums, strict=True)
    lines.append(
        line("cal. gap", [f"{(m * sp - sy) / n if n else 0:+.3f}" for m, (sp, sy, n) in final])
    )
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--outcomes", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    url = os.environ.get("HINDSIGHT_DATABASE_URL") or (
        f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/convergence.db"
    )
    settings = Settings(database_url=url, run_scheduler=False)
    await asyncio.to_thread(migrate.upgrade, url)
    services = build_services(settings)
    try:
        await load_demo(services, tenant=TENANT, n=args.outcomes, seed=args.seed)
        curves, path = await convergence(services, args.runs)
    finally:
        await services.close()
    print(f"demo --outcomes {args.outcomes} --seed {args.seed}; '·' = the run changed nothing")
    print(table(curves, path, calibration.Policy.from_settings(settings)))


if __name__ == "__main__":
    asyncio.run(main())
