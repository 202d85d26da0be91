"""Time ``curve_from_arrays`` against scikit-learn on the same random (p, y) arrays.

Usage: python bench/bench_calibration_curve.py [--sizes 1000000 10000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from typing import TypeVar

import numpy as np
import numpy.typing as npt
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss

from hindsight.domain.calibration.statistics import curve_from_arrays

T = TypeVar("T")


def best_of(repeat: int, fn: Callable[[], T]) -> tuple[float, T]:
    """Best wall-clock seconds over ``repeat`` (>= 1) runs, and the last result."""
    timings: list[float] = []
    for _ in range(max(1, repeat)):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        timings.append(time.perf_counter() - start)
    return min(timings), result


def make_data(n: int, seed: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Confidences uniform on [0, 1), outcomes Bernoulli(p) as 0.0/1.0 floats."""
    rng = np.random.default_rng(seed)
    p = rng.random(n)
    y = (rng.random(n) < p).astype(np.float64)
    return p, y


def sklearn_curve(p: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> tuple[object, float]:
    curve = calibration_curve(y, p, n_bins=10, strategy="uniform")
    return curve, float(brier_score_loss(y, p))


def run(n: int, repeat: int) -> tuple[int, float, float, float]:
    """(n, ours s, sklearn s, max |Brier difference|) for one size."""
    p, y = make_data(n, seed=n)
    ours_s, ours = best_of(repeat, lambda: curve_from_arrays(p, y))
    ref_s, ref = best_of(repeat, lambda: sklearn_curve(p, y))
    brier_diff = abs((ours.brier or 0.0) - ref[1])
    return n, ours_s, ref_s, brier_diff


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    header = f"{'n':>12} {'ours (s)':>10} {'sklearn (s)':>12} {'sklearn/ours':>13} {'|dBrier|':>10}"
    print(header)
    print("-" * len(header))
    for size in args.sizes:
        n, ours_s, ref_s, diff = run(size, args.repeat)
        print(f"{n:>12,} {ours_s:>10.4f} {ref_s:>12.4f} {ref_s / ours_s:>12.2f}x {diff:>10.1e}")


if __name__ == "__main__":
    main()
