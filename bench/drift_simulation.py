"""The drift monitors' false-alarm rate, detection rate and delay over seeded streams.

    .venv/bin/python bench/drift_simulation.py            # 2,000 streams per scenario

Each stream is a calibrated agent: confidences q ~ U(0.3, 0.9) (already calibrated, i.e.
Outcome.calibratedConfidence) and outcomes y ~ Bernoulli(q). "unchanged" streams stay that
way for ``--length`` resolutions; a "drop d" stream is calibrated for ``--before``
resolutions, then y ~ Bernoulli(q − d) for ``--after`` more. Both monitors run exactly as
the drift job runs them (``domain/drift``: the e-process, river's ADWIN), with the default
settings (α = 0.01, delta = 0.002, 50 resolutions before any alert). An alert before the
change is a false alarm; one after it a detection, its delay counted in resolutions after
the change (the one that fired included). The CALIBRATION monitor's guarantee: on
calibrated streams P(any alert, ever) ≤ α (Ville's inequality), so the measured rate must be
≤ α within its binomial error (the lower end of its 95% Wilson interval ≤ α).
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass, field

import numpy as np

from hindsight.domain.calibration.statistics import wilson_interval
from hindsight.domain.drift import evalues, success
from hindsight.settings import Settings

DEFAULTS = Settings.model_construct()
ALPHA, DELTA, MIN = DEFAULTS.drift_alpha, DEFAULTS.drift_delta, DEFAULTS.drift_min_samples
DROPS = (0.1, 0.2, 0.3)


@dataclass
class Tally:
    """One monitor over one scenario's streams."""

    streams: int = 0
    false_alarms: int = 0
    delays: list[int] = field(default_factory=list)

    def add(self, fired_at: int | None, change: int | None) -> None:
        self.streams += 1
        if fired_at is None:
            return
        if change is None or fired_at < change:
            self.false_alarms += 1
        else:
            self.delays.append(fired_at - change + 1)

    def rate(self, count: int) -> str:
        low, high = wilson_interval(count, self.streams) or (0.0, 0.0)
        return f"{count / self.streams:.4f} [{low:.4f}, {high:.4f}]"

    def delay(self) -> str:
        return f"{statistics.median(self.delays):.0f}" if self.delays else "—"


def first_alerts(q: np.ndarray, y: np.ndarray) -> tuple[int | None, int | None]:
    """Where each monitor first alerts (0-based resolution index), or None."""
    _, calibration = evalues.feed(evalues.CalibrationState(), q, y, alpha=ALPHA, min_samples=MIN)
    _, rate = success.feed(
        success.SuccessState(), y.astype(int).tolist(), delta=DELTA, min_samples=MIN
    )
    return (
        None if calibration is None else calibration.index,
        None if rate is None else rate.index,
    )


def scenario(
    rng: np.random.Generator, streams: int, before: int, after: int, drop: float
) -> tuple[Tally, Tally]:
    tallies = (Tally(), Tally())
    change = before if drop else None
    for _ in range(streams):
        q = rng.uniform(0.3, 0.9, before + after)
        truth = q.copy()
        truth[before:] -= drop
        y = (rng.random(len(q)) < truth).astype(float)
        for tally, fired in zip(tallies, first_alerts(q, y), strict=True):
            tally.add(fired, change)
    return tallies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--streams", type=int, default=2000, help="streams per scenario")
    parser.add_argument("--length", type=int, default=1000, help="unchanged streams' length")
    parser.add_argument("--before", type=int, default=500, help="resolutions before a drop")
    parser.add_argument("--after", type=int, default=1000, help="resolutions after a drop")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    print(f"α = {ALPHA}, ADWIN delta = {DELTA}, min samples = {MIN}, seed {args.seed}, "
          f"{args.streams} streams per scenario")  # fmt: skip
    print()
    print(
        "| scenario | monitor | false alarms [95% Wilson] | detected [95% Wilson] | median delay |"
    )
    print("|---|---|---|---|---|")
    names = ("CALIBRATION", "SUCCESS_RATE")
    verdict = ""
    unchanged = scenario(rng, args.streams, args.length, 0, 0.0)
    for name, tally in zip(names, unchanged, strict=True):
        print(f"| unchanged, {args.length} resolutions | {name} | "
              f"{tally.rate(tally.false_alarms)} | — | — |")  # fmt: skip
    low = (wilson_interval(unchanged[0].false_alarms, args.streams) or (0.0, 0.0))[0]
    holds = "holds" if low <= ALPHA else "FAILS"
    verdict = f"CALIBRATION false alarms ≤ α = {ALPHA} within binomial error: {holds}"
    for drop in DROPS:
        tallies = scenario(rng, args.streams, args.before, args.after, drop)
        for name, tally in zip(names, tallies, strict=True):
            print(f"| drop {drop:.1f} after {args.before}, then {args.after} | {name} | "
                  f"{tally.rate(tally.false_alarms)} | {tally.rate(len(tally.delays))} | "
                  f"{tally.delay()} |")  # fmt: skip
    print()
    print(verdict)
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
