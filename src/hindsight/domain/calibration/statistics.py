"""Calibration statistics over 10 uniform bins (docs/concepts/calibration.md), pure numpy.

Everything is derived from five per-bin sums (count, Σp, Σp², Σy, Σpy), so curves can be
built from raw arrays or from the incrementally maintained ``calibration_bins`` rows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

N_BINS = 10
Z95 = 1.959963984540054  # normal 0.975 quantile, as scipy and statsmodels use
_EDGES = np.linspace(0.0, 1.0, N_BINS + 1)
_INNER_EDGES = _EDGES[1:-1]
_CHUNK = 1 << 20  # pairs per bincount pass: bounds temporaries to a few MiB

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_FIELDS = ("count", "sum_p", "sum_p2", "sum_y", "sum_py")


def bin_indices(p: npt.ArrayLike) -> npt.NDArray[np.intp]:
    """Bins as scikit-learn's ``calibration_curve``: ``searchsorted(linspace(0,1,11)[1:-1], p)``.

    Right-closed: an edge value such as 0.1 or the float 0.3 falls in the lower bin.
    """
    return np.searchsorted(_INNER_EDGES, p)


@dataclass(frozen=True, eq=False)
class BinSums:
    """Per-bin count, Σp, Σp², Σy and Σpy (each of length ``N_BINS``)."""

    count: IntArray
    sum_p: FloatArray
    sum_p2: FloatArray
    sum_y: FloatArray
    sum_py: FloatArray

    def __post_init__(self) -> None:
        object.__setattr__(self, "count", np.asarray(self.count, dtype=np.int64))
        for name in _FIELDS[1:]:
            object.__setattr__(self, name, np.asarray(getattr(self, name), dtype=np.float64))
        for name in _FIELDS:
            if getattr(self, name).shape != (N_BINS,):
                raise ValueError(f"{name} must have shape ({N_BINS},)")

    @classmethod
    def empty(cls) -> BinSums:
        """All-zero sums."""
        zeros = np.zeros(N_BINS)
        return cls(np.zeros(N_BINS, dtype=np.int64), zeros, zeros, zeros, zeros)

    @classmethod
    def from_arrays(cls, p: npt.ArrayLike, y: npt.ArrayLike) -> BinSums:
        """Sums of confidences ``p`` in [0, 1] and outcomes ``y`` in {0, 1}, via ``bincount``."""
        p_arr, y_arr = _validated(p, y)
        total = cls.empty()
        for start in range(0, p_arr.size, _CHUNK):
            stop = start + _CHUNK
            total = total + cls._from_chunk(p_arr[start:stop], y_arr[start:stop])
        return total

    @classmethod
    def _from_chunk(cls, p: FloatArray, y: npt.NDArray[np.generic]) -> BinSums:
        idx = bin_indices(p)
        y_f = y.astype(np.float64, copy=False)
        _check_chunk(p, y_f)

        def weighted(w: FloatArray) -> FloatArray:
            return np.bincount(idx, weights=w, minlength=N_BINS).astype(np.float64, copy=False)

        count = np.bincount(idx, minlength=N_BINS).astype(np.int64)
        return cls(count, weighted(p), weighted(p * p), weighted(y_f), weighted(p * y_f))

    @property
    def total(self) -> int:
        """N = Σ n_b."""
        return int(self.count.sum())

    def __add__(self, other: BinSums) -> BinSums:
        return BinSums(*(getattr(self, k) + getattr(other, k) for k in _FIELDS))


def _validated(p: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, npt.NDArray[np.generic]]:
    p_arr = np.asarray(p, dtype=np.float64).ravel()
    y_arr = np.asarray(y).ravel()
    if p_arr.shape != y_arr.shape:
        raise ValueError("p and y must have the same length")
    return p_arr, y_arr


def _check_chunk(p: FloatArray, y: FloatArray) -> None:
    if p.size and not (p.min() >= 0.0 and p.max() <= 1.0):
        raise ValueError("p must lie in [0, 1]")
    if np.any(y * (1.0 - y) != 0.0):
        raise ValueError("y must be 0 or 1")


@dataclass(frozen=True)
class BinStats:
    """One bin: mean predicted p̄_b = Σp/n_b, observed rate r_b = Σy/n_b, gap p̄_b - r_b."""

    index: int
    lower: float
    upper: float
    count: int
    mean_predicted: float | None
    observed_rate: float | None
    gap: float | None
    wilson_low: float | None
    wilson_high: float | None


@dataclass(frozen=True)
class Curve:
    """Reliability curve (all ``N_BINS`` bins, empty ones included) and summary scores."""

    bins: list[BinStats]
    sample_count: int
    brier: float | None
    ece: float | None
    mce: float | None
    weighted_gap: float | None


def wilson_interval(successes: float, n: float, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval (p̂ + z²/2n ± z·√(p̂(1-p̂)/n + z²/4n²)) / (1 + z²/n), in [0, 1]."""
    if n == 0:
        return None
    if n < 0 or not 0 <= successes <= n:
        raise ValueError("need 0 <= successes <= n")
    phat = successes / n
    z2 = z * z
    denom = 1.0 + z2 / n
    center = (phat + z2 / (2.0 * n)) / denom
    half = z * math.sqrt(phat * (1.0 - phat) / n + z2 / (4.0 * n * n)) / denom
    low = 0.0 if successes == 0 else max(0.0, center - half)
    high = 1.0 if successes == n else min(1.0, center + half)
    return low, high


def _bin_stats(s: BinSums, i: int) -> BinStats:
    n = int(s.count[i])
    lower, upper = float(_EDGES[i]), float(_EDGES[i + 1])
    if n == 0:
        return BinStats(i, lower, upper, 0, None, None, None, None, None)
    mean_p = float(s.sum_p[i] / n)
    rate = float(s.sum_y[i] / n)
    interval = wilson_interval(float(s.sum_y[i]), n)
    assert interval is not None
    return BinStats(i, lower, upper, n, mean_p, rate, mean_p - rate, *interval)


def _gaps(s: BinSums) -> tuple[IntArray, FloatArray]:
    """Counts and gaps p̄_b - r_b of the non-empty bins."""
    nonzero = s.count > 0
    n_b = s.count[nonzero]
    return n_b, s.sum_p[nonzero] / n_b - s.sum_y[nonzero] / n_b


def brier_from_sums(s: BinSums) -> float | None:
    """Brier score Σ(p - y)²/N = (Σp² - 2Σpy + Σy)/N (y² = y), clamped to [0, 1]."""
    n = s.total
    if n == 0:
        return None
    value = (s.sum_p2.sum() - 2.0 * s.sum_py.sum() + s.sum_y.sum()) / n
    return min(1.0, max(0.0, float(value)))


def ece(s: BinSums) -> float | None:
    """Expected calibration error Σ (n_b/N)·|p̄_b - r_b|."""
    n = s.total
    if n == 0:
        return None
    n_b, gaps = _gaps(s)
    return float(np.sum(n_b / n * np.abs(gaps)))


def mce(s: BinSums) -> float | None:
    """Maximum calibration error max_b |p̄_b - r_b| over non-empty bins."""
    if s.total == 0:
        return None
    return float(np.max(np.abs(_gaps(s)[1])))


def weighted_gap(s: BinSums) -> float | None:
    """Signed weighted gap Σ n_b(p̄_b - r_b)/N (positive = over-confident)."""
    n = s.total
    if n == 0:
        return None
    n_b, gaps = _gaps(s)
    return float(np.sum(n_b * gaps) / n)


def curve_from_sums(s: BinSums) -> Curve:
    """Per-bin stats plus Brier, ECE, MCE and weighted gap."""
    return Curve(
        bins=[_bin_stats(s, i) for i in range(N_BINS)],
        sample_count=s.total,
        brier=brier_from_sums(s),
        ece=ece(s),
        mce=mce(s),
        weighted_gap=weighted_gap(s),
    )


def curve_from_arrays(p: npt.ArrayLike, y: npt.ArrayLike) -> Curve:
    """``curve_from_sums(BinSums.from_arrays(p, y))``."""
    return curve_from_sums(BinSums.from_arrays(p, y))


def bh_adjusted(p_values: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p: q_(i) = min over j ≥ i of m·p_(j)/j, capped at 1.

    The step-up rule at false discovery rate alpha rejects exactly the hypotheses with
    q ≤ alpha (the largest k with p_(k) ≤ k·alpha/m, and every smaller p).
    """
    p = np.asarray(p_values, dtype=np.float64)
    order = np.argsort(p, kind="stable")[::-1]  # largest first
    scaled = p[order] * p.size / np.arange(p.size, 0, -1)
    adjusted = np.empty(p.size)
    adjusted[order] = np.minimum(np.minimum.accumulate(scaled), 1.0)
    return [float(v) for v in adjusted]


def two_proportion_z_test(s1: float, n1: float, s2: float, n2: float) -> float:
    """Two-sided pooled z-test: z = (s1/n1 - s2/n2)/√(p̄(1-p̄)(1/n1 + 1/n2)), p = erfc(|z|/√2).

    Returns 1.0 when either sample is empty or the pooled rate is 0 or 1 (no evidence).
    """
    if n1 <= 0 or n2 <= 0:
        return 1.0
    pooled = (s1 + s2) / (n1 + n2)
    variance = pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)
    if variance <= 0.0:
        return 1.0
    z = (s1 / n1 - s2 / n2) / math.sqrt(variance)
    return math.erfc(abs(z) / math.sqrt(2.0))
