"""Calibration statistics against scikit-learn, hand-worked values and properties."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import false_discovery_control, norm
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss

from hindsight.domain.calibration.bins import bin_index
from hindsight.domain.calibration.statistics import (
    N_BINS,
    Z95,
    BinSums,
    bh_adjusted,
    bin_indices,
    brier_from_sums,
    curve_from_arrays,
    curve_from_sums,
    ece,
    mce,
    two_proportion_z_test,
    weighted_gap,
    wilson_interval,
)

EDGES = [i / 10 for i in range(11)] + [0.3, 0.7, 0.1 + 0.2, 0.7 + 0.1, 0.9999999999999999]
PROPERTY = settings(database=None, deadline=None, max_examples=150)


def _data(seed: int, n: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Random confidences with many exact bin-edge values, and outcomes drawn from them."""
    rng = np.random.default_rng(seed)
    p = rng.random(n)
    on_edge = rng.random(n) < 0.3
    p[on_edge] = rng.choice(EDGES, size=int(on_edge.sum()))
    y = (rng.random(n) < p).astype(np.int64)
    return p, y


CASES = [(seed, n) for seed in (0, 1, 2, 3) for n in (1, 7, 100, 5_000)] + [(4, 1_500_000)]


@pytest.mark.parametrize(("seed", "n"), CASES)
def test_curve_matches_sklearn(seed: int, n: int) -> None:
    p, y = _data(seed, n)
    curve = curve_from_arrays(p, y)
    ref_true, ref_pred = calibration_curve(y, p, n_bins=10, strategy="uniform")
    filled = [b for b in curve.bins if b.count > 0]
    assert len(filled) == len(ref_true)
    for b, t, m in zip(filled, ref_true, ref_pred, strict=True):
        assert b.observed_rate == pytest.approx(t, abs=1e-9)
        assert b.mean_predicted == pytest.approx(m, abs=1e-9)
    assert curve.sample_count == n
    assert curve.brier == pytest.approx(brier_score_loss(y, p), abs=1e-9)


def test_edge_values_fall_in_lower_bin_and_agree_with_scalar_bin_index() -> None:
    values = np.array([*EDGES, *np.random.default_rng(9).random(1000)])
    assert bin_indices(values).tolist() == [bin_index(float(v)) for v in values]
    assert bin_indices([0.0, 0.1, 0.3, 0.7, 1.0]).tolist() == [0, 0, 2, 6, 9]


def test_bin_sums_from_arrays_chunks_large_input() -> None:
    p, y = _data(5, 3_000_001)
    s = BinSums.from_arrays(p, y)
    idx = bin_indices(p)
    np.testing.assert_array_equal(s.count, np.bincount(idx, minlength=N_BINS))
    np.testing.assert_allclose(s.sum_py, np.bincount(idx, weights=p * y, minlength=N_BINS))


def test_bools_and_validation() -> None:
    a = BinSums.from_arrays([0.2, 0.9], [True, False])
    b = BinSums.from_arrays([0.2, 0.9], [1, 0])
    np.testing.assert_array_equal(a.sum_py, b.sum_py)
    with pytest.raises(ValueError, match="same length"):
        BinSums.from_arrays([0.2], [1, 0])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        BinSums.from_arrays([1.2], [1])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        BinSums.from_arrays([math.nan], [1])
    with pytest.raises(ValueError, match="0 or 1"):
        BinSums.from_arrays([0.5], [0.5])
    with pytest.raises(ValueError, match="shape"):
        BinSums([1], [0.1], [0.01], [1], [0.1])  # type: ignore[arg-type]


def test_wilson_known_values() -> None:
    assert norm.ppf(0.975) == pytest.approx(Z95, abs=1e-15)
    assert wilson_interval(8, 10) == pytest.approx((0.4901625, 0.9433178), abs=1e-6)
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775328), abs=1e-6)
    assert wilson_interval(10, 10) == pytest.approx((0.7224672, 1.0), abs=1e-6)
    assert wilson_interval(1, 2) == pytest.approx((0.0945312, 0.9054688), abs=1e-6)
    assert wilson_interval(0, 0) is None
    with pytest.raises(ValueError):
        wilson_interval(3, 2)


def test_hand_worked_curve() -> None:
    p = [0.05, 0.15, 0.15, 0.85, 0.95]
    y = [0, 0, 1, 1, 1]
    curve = curve_from_arrays(p, y)
    assert [b.count for b in curve.bins] == [1, 2, 0, 0, 0, 0, 0, 0, 1, 1]
    assert curve.bins[1].mean_predicted == pytest.approx(0.15)
    assert curve.bins[1].observed_rate == pytest.approx(0.5)
    assert curve.bins[1].gap == pytest.approx(-0.35)
    assert (curve.bins[1].wilson_low, curve.bins[1].wilson_high) == wilson_interval(1, 2)
    empty = curve.bins[2]
    assert (empty.mean_predicted, empty.observed_rate, empty.gap, empty.wilson_low) == (None,) * 4
    assert (curve.bins[0].lower, curve.bins[0].upper, curve.bins[9].upper) == (0.0, 0.1, 1.0)
    assert curve.ece == pytest.approx((0.05 + 2 * 0.35 + 0.15 + 0.05) / 5)
    assert curve.mce == pytest.approx(0.35)
    assert curve.weighted_gap == pytest.approx((0.05 - 0.7 - 0.15 - 0.05) / 5)
    assert curve.brier == pytest.approx((0.0025 + 0.0225 + 0.7225 + 0.0225 + 0.0025) / 5)


def test_empty_curve() -> None:
    curve = curve_from_sums(BinSums.empty())
    assert curve.sample_count == 0
    assert (curve.brier, curve.ece, curve.mce, curve.weighted_gap) == (None,) * 4
    assert len(curve.bins) == N_BINS and all(b.count == 0 for b in curve.bins)
    assert curve_from_arrays([], []) == curve


pairs = st.lists(
    st.tuples(st.one_of(st.floats(0, 1), st.sampled_from(EDGES)), st.booleans()), max_size=200
)


def _arrays(data: list[tuple[float, bool]]) -> tuple[list[float], list[int]]:
    return [p for p, _ in data], [int(y) for _, y in data]


@PROPERTY
@given(pairs)
def test_counts_sum_to_n_and_scores_are_ordered(data: list[tuple[float, bool]]) -> None:
    s = BinSums.from_arrays(*_arrays(data))
    assert s.total == len(data) == int(s.count.sum())
    if not data:
        return
    e, m, w, b = ece(s), mce(s), weighted_gap(s), brier_from_sums(s)
    assert e is not None and m is not None and w is not None and b is not None
    assert 0.0 <= e <= m + 1e-12
    assert m <= 1.0
    assert abs(w) <= e + 1e-12
    assert 0.0 <= b <= 1.0


@PROPERTY
@given(pairs, pairs)
def test_bin_sums_addition_matches_concatenation(
    a: list[tuple[float, bool]], b: list[tuple[float, bool]]
) -> None:
    added = BinSums.from_arrays(*_arrays(a)) + BinSums.from_arrays(*_arrays(b))
    joined = BinSums.from_arrays(*_arrays(a + b))
    np.testing.assert_array_equal(added.count, joined.count)
    for name in ("sum_p", "sum_p2", "sum_y", "sum_py"):
        np.testing.assert_allclose(getattr(added, name), getattr(joined, name), atol=1e-9)


def step_up(p_values: list[float], alpha: float) -> list[bool]:
    """The Benjamini–Hochberg step-up rule as written: reject the k smallest p-values,
    k = max{i : p_(i) ≤ i·alpha/m}."""
    ranked = sorted(p_values)
    m = len(ranked)
    k = max((i for i, p in enumerate(ranked, start=1) if p <= i * alpha / m), default=0)
    return [p <= ranked[k - 1] if k else False for p in p_values]


def rejects(p_values: list[float], alpha: float = 0.05) -> list[bool]:
    return [q <= alpha for q in bh_adjusted(p_values)]


def test_bh_adjusted_by_hand() -> None:
    # sorted 0.005, 0.01, 0.03, 0.04 → 4p/i = 0.02, 0.02, 0.04, 0.04 (already monotone)
    assert bh_adjusted([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert bh_adjusted([0.9, 0.8]) == pytest.approx([0.9, 0.9])
    assert bh_adjusted([]) == []


def test_bh_rejections_hand_computed() -> None:
    # m = 4, thresholds k·0.05/4 = 0.0125, 0.025, 0.0375, 0.05; sorted p = 0.01, 0.03, 0.032,
    # 0.2 -> the largest k with p_(k) <= threshold is 3 (0.03 alone would fail: step-up).
    assert rejects([0.2, 0.032, 0.01, 0.03]) == [False, True, True, True]
    assert rejects([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205]) == [
        True,
        True,
        *([False] * 6),
    ]
    assert rejects([]) == []


@PROPERTY
@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=30), st.sampled_from([0.01, 0.05]))
def test_bh_adjusted_agrees_with_scipy_and_the_step_up_rule(p: list[float], alpha: float) -> None:
    q = bh_adjusted(p)
    assert q == pytest.approx(list(false_discovery_control(p, method="bh")), abs=1e-12)
    expected = step_up(p, alpha)
    decisive = [(qi, r) for qi, r in zip(q, expected, strict=True) if abs(qi - alpha) > 1e-12]
    assert all((qi <= alpha) == r for qi, r in decisive)
    assert all(pi <= qi + 1e-15 <= 1 + 1e-15 for pi, qi in zip(p, q, strict=True))


def test_two_proportion_z_test() -> None:
    # pooled 0.375, se = sqrt(0.375·0.625·0.02), z = 0.15/se = 2.19089, p = 2·(1 - Phi(z))
    z = 0.15 / math.sqrt(0.375 * 0.625 * 0.02)
    assert two_proportion_z_test(45, 100, 30, 100) == pytest.approx(0.0284597369, abs=1e-9)
    assert two_proportion_z_test(30, 100, 45, 100) == pytest.approx(math.erfc(z / math.sqrt(2)))
    assert two_proportion_z_test(5, 10, 5, 10) == pytest.approx(1.0)
    assert two_proportion_z_test(0, 10, 0, 20) == 1.0
    assert two_proportion_z_test(3, 0, 1, 10) == 1.0
