"""The adjustment rule, calibrated confidence and drift detection, by hand and by property."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hindsight.domain.calibration import Calibrated, Policy, calibrate, next_multiplier
from hindsight.domain.calibration_audit import find_drift
from hindsight.domain.calibration_bins import bin_index
from hindsight.domain.calibration_curves import Drift
from hindsight.domain.enums import CalibrationMethod
from hindsight.domain.statistics import BinSums, weighted_gap
from hindsight.settings import Settings

PROPERTY = settings(database=None, deadline=None, max_examples=300)
POLICY = Policy()


@pytest.mark.parametrize(
    ("multiplier", "gap", "n", "expected"),
    [
        (1.0, 0.18, 30, 0.91),  # over-confident: step 0.18 * 0.5 = 0.09 down
        (1.0, -0.16, 100, 1.08),  # under-confident: step 0.08 up
        (1.0, 0.40, 50, 0.90),  # step 0.20 capped at 0.10
        (1.0, -0.90, 50, 1.10),  # capped the other way
        (0.55, 0.30, 50, 0.50),  # 0.45 clamped to the lower bound
        (1.45, -0.30, 50, 1.50),  # 1.55 clamped to the upper bound
        (0.50, 0.30, 50, 0.50),  # already at the bound: no change
        (1.0, 0.40, 29, 1.0),  # below 30 samples: no change
        (1.0, 0.15, 500, 1.0),  # exactly the threshold is not beyond it
        (1.0, -0.10, 500, 1.0),  # under the threshold
        (0.8, 0.151, 30, 0.7245),  # just beyond it: 0.8 - 0.0755
        (1.0, None, 0, 1.0),  # no data
    ],
)
def test_hand_computed_adjustments(
    multiplier: float, gap: float | None, n: int, expected: float
) -> None:
    assert next_multiplier(multiplier, gap, n, POLICY) == pytest.approx(expected, abs=1e-12)


def test_the_rule_reads_its_knobs_from_settings() -> None:
    policy = Policy.from_settings(
        Settings(
            calibration_min_samples=5,
            calibration_threshold=0.05,
            calibration_damping=1.0,
            calibration_max_step=0.02,
        )
    )
    assert next_multiplier(1.0, 0.06, 5, policy) == pytest.approx(0.98)
    assert next_multiplier(1.0, 0.06, 4, policy) == 1.0
    assert next_multiplier(1.0, 0.04, 5, policy) == 1.0


def test_gap_from_sums_of_an_overconfident_agent() -> None:
    # 40 actions at 0.9 of which half worked: gap 0.4, so one capped step down.
    sums = BinSums.from_arrays([0.9] * 40, [1, 0] * 20)
    gap = weighted_gap(sums)
    assert gap == pytest.approx(0.4)
    assert next_multiplier(1.0, gap, sums.total) == pytest.approx(0.9)


@PROPERTY
@given(
    multiplier=st.floats(0.5, 1.5),
    gap=st.floats(-1.0, 1.0),
    n=st.integers(0, 10_000),
    damping=st.floats(0.0, 5.0),
    max_step=st.floats(0.0, 0.10),
)
def test_a_step_never_exceeds_the_cap_and_stays_in_bounds(
    multiplier: float, gap: float, n: int, damping: float, max_step: float
) -> None:
    policy = Policy(damping=damping, max_step=max_step)
    new = next_multiplier(multiplier, gap, n, policy)
    assert abs(new - multiplier) <= max_step + 1e-12
    assert 0.5 <= new <= 1.5
    if new != multiplier:
        assert n >= policy.min_samples and abs(gap) > policy.threshold
        assert (new < multiplier) == (gap > 0)  # over-confidence only ever lowers it


@PROPERTY
@given(multiplier=st.floats(-10.0, 10.0), gap=st.floats(-1.0, 1.0), n=st.integers(30, 100))
def test_any_start_ends_within_bounds(multiplier: float, gap: float, n: int) -> None:
    if abs(gap) > POLICY.threshold:
        assert 0.5 <= next_multiplier(multiplier, gap, n) <= 1.5


def _calibrate(raw: float, method: CalibrationMethod, **kw: float) -> Calibrated:
    values = {"multiplier": 0.9, "sample_count": 40, "bin_count": 40, "bin_successes": 20.0}
    values.update(kw)
    return calibrate(
        "a",
        raw,
        method,
        multiplier=values["multiplier"],
        sample_count=int(values["sample_count"]),
        bin_count=int(values["bin_count"]),
        bin_successes=values["bin_successes"],
        policy=POLICY,
    )


def test_multiplier_method_scales_and_clamps() -> None:
    assert _calibrate(0.9, CalibrationMethod.MULTIPLIER).confidence == pytest.approx(0.81)
    assert _calibrate(0.9, CalibrationMethod.MULTIPLIER, multiplier=1.5).confidence == 1.0


def test_histogram_method_shrinks_the_bin_rate_toward_raw() -> None:
    # (s_b + k*raw) / (n_b + k) with k = 10: (20 + 9) / 50
    result = _calibrate(0.9, CalibrationMethod.HISTOGRAM)
    assert result.confidence == pytest.approx(0.58)
    assert result.observed_rate == 0.5
    empty_bin = _calibrate(0.75, CalibrationMethod.HISTOGRAM, bin_count=0, bin_successes=0.0)
    assert empty_bin.confidence == 0.75 and empty_bin.observed_rate is None
    assert empty_bin.wilson_low is None and empty_bin.wilson_high is None


@pytest.mark.parametrize("method", list(CalibrationMethod))
def test_too_few_samples_return_raw(method: CalibrationMethod) -> None:
    result = _calibrate(0.9, method, sample_count=29, bin_count=29, bin_successes=1.0)
    assert result.confidence == 0.9 and not result.sufficient_data
    assert result.observed_rate == pytest.approx(1 / 29)


def test_find_drift_tolerates_rounding_but_not_a_missing_outcome() -> None:
    rng = np.random.default_rng(3)
    p, y = rng.random(500), rng.integers(0, 2, 500)
    exact = BinSums.from_arrays(p, y)
    shuffled = sum(
        (BinSums.from_arrays(p[i : i + 7], y[i : i + 7]) for i in range(0, 500, 7)), BinSums.empty()
    )
    assert find_drift(exact, shuffled) == []
    missing = BinSums.from_arrays(p[1:], y[1:])
    drift = find_drift(missing, exact)
    assert {d.field for d in drift} >= {"count", "sum_p", "sum_p2"}
    counted = next(d for d in drift if d.field == "count")
    assert counted == Drift(
        bin_index(float(p[0])), "count", counted.recomputed - 1, counted.recomputed
    )
