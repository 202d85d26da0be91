"""The adjustment rule, calibrated confidence and drift detection, by hand and by property."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hindsight.domain.calibration.audit import find_drift
from hindsight.domain.calibration.bins import bin_index
from hindsight.domain.calibration.confidence import Calibrated, calibrate
from hindsight.domain.calibration.controller import (
    Policy,
    calibrated_gap,
    next_multiplier,
    stated_gap,
    target_multiplier,
)
from hindsight.domain.calibration.curves import Drift
from hindsight.domain.calibration.statistics import BinSums
from hindsight.domain.enums import CalibrationMethod
from hindsight.settings import Settings

PROPERTY = settings(database=None, deadline=None, max_examples=300)
POLICY = Policy()


def sums(p: float, rate: float, n: int) -> tuple[float, float, int]:
    """(Σp, Σy, N) of n outcomes stated at p of which a fraction ``rate`` worked."""
    return p * n, rate * n, n


@pytest.mark.parametrize(
    ("multiplier", "data", "expected"),
    [
        # stated 0.9, observed 0.5: m* = 0.5/0.9 = 0.5556; step 0.5·(−0.4444) capped at −0.10
        (1.0, sums(0.9, 0.5, 30), 0.9),
        # m = 0.7: step 0.5·(0.5556 − 0.7) = −0.0722 → round(0.6278, 4)
        (0.7, sums(0.9, 0.5, 30), 0.6278),
        # under-confident: stated 0.4, observed 0.6: m* = 1.5; step +0.10
        (1.0, sums(0.4, 0.6, 100), 1.1),
        # m* = 0.8/0.5 = 1.6 clamped to 1.5: from 1.45 a step of +0.025
        (1.45, sums(0.5, 0.8, 50), 1.475),
        # m* = 0.2/0.9 clamped to 0.5, already there: no change
        (0.5, sums(0.9, 0.2, 50), 0.5),
        (1.0, sums(0.9, 0.5, 29), 1.0),  # below 30 samples: no change
        (1.0, sums(0.65, 0.5, 500), 1.0),  # |g| = 0.15 is inside the band
        # inside the band the target is 1: a corrected agent is walked back
        (0.6, sums(0.6, 0.55, 500), 0.7),
        (0.95, sums(0.6, 0.55, 500), 0.975),
        (0.992, sums(0.6, 0.55, 500), 0.992),  # step 0.004 < 0.005: nothing
        # Σp = 0 and every outcome worked: target the upper bound
        (1.0, (0.0, 40.0, 40), 1.1),
        (1.0, (0.0, 0.0, 0), 1.0),  # no data
    ],
)
def test_hand_computed_adjustments(
    multiplier: float, data: tuple[float, float, int], expected: float
) -> None:
    assert next_multiplier(multiplier, *data, POLICY) == expected  # exact: rounded to 4 places


def test_target_and_gaps_by_hand() -> None:
    sum_p, sum_y, n = sums(0.9, 0.5, 30)
    assert target_multiplier(sum_p, sum_y, n) == pytest.approx(0.5 / 0.9)
    assert stated_gap(sum_p, sum_y, n) == pytest.approx(0.4)
    assert calibrated_gap(0.5 / 0.9, sum_p, sum_y, n) == pytest.approx(0.0, abs=1e-12)
    assert calibrated_gap(0.9, sum_p, sum_y, n) == pytest.approx(0.81 - 0.5)
    assert stated_gap(0.0, 0.0, 0) is None and calibrated_gap(1.0, 0.0, 0.0, 0) is None


def test_the_rule_reads_its_knobs_from_settings() -> None:
    policy = Policy.from_settings(
        Settings(
            calibration_min_samples=5,
            calibration_threshold=0.05,
            calibration_damping=1.0,
            calibration_max_step=0.02,
        )
    )
    assert next_multiplier(1.0, *sums(0.5, 0.44, 5), policy) == 0.98
    assert next_multiplier(1.0, *sums(0.5, 0.44, 4), policy) == 1.0
    assert next_multiplier(1.0, *sums(0.5, 0.46, 5), policy) == 1.0


def test_the_rules_defaults_are_the_settings_defaults() -> None:
    """One source of truth: a policy built without settings uses the settings' defaults."""
    assert Policy() == Policy.from_settings(Settings.model_construct())


@pytest.mark.parametrize("damping", [0.0, 1.01])
def test_settings_refuse_a_damping_that_could_oscillate(damping: float) -> None:
    with pytest.raises(ValueError, match="calibration_damping"):
        Settings(calibration_damping=damping)


def test_twenty_runs_on_unchanged_data_converge_then_stop() -> None:
    data = sums(0.9, 0.5, 40)
    target = target_multiplier(*data)
    path = [1.0]
    for _ in range(20):
        path.append(next_multiplier(path[-1], *data))
    assert all(b <= a for a, b in itertools.pairwise(path))  # monotone, toward m* < 1
    assert all(m >= target for m in path)  # never past it
    assert abs(path[-1] - target) < 2 * POLICY.min_step / POLICY.damping
    assert path[-8:] == [path[-1]] * 8  # the last runs change nothing


@PROPERTY
@given(
    multiplier=st.floats(0.5, 1.5),
    p=st.floats(0.0, 1.0),
    rate=st.floats(0.0, 1.0),
    n=st.integers(0, 10_000),
    damping=st.floats(0.01, 1.0),
    max_step=st.floats(0.005, 0.10),
)
def test_never_oscillates_and_never_leaves_the_bounds(
    multiplier: float, p: float, rate: float, n: int, damping: float, max_step: float
) -> None:
    policy = Policy(damping=damping, max_step=max_step)
    data = (p * n, round(rate * n), n)
    target = target_multiplier(*data, policy)
    path = [round(multiplier, 4)]
    for _ in range(400):  # 1.0 / min_step runs always suffice to stop
        path.append(next_multiplier(path[-1], *data, policy))
    steps = [b - a for a, b in itertools.pairwise(path)]
    assert all(0.5 <= m <= 1.5 for m in path)
    rounding = 5e-5 + 1e-12  # round(·, 4) may add half a unit in the last place
    assert all(abs(s) <= max_step + rounding for s in steps)
    assert all(s >= 0 for s in steps) or all(s <= 0 for s in steps)  # one direction only
    side = path[0] - target  # never past m* (beyond the rounding)
    assert all((m - target) * side >= 0 or abs(m - target) <= rounding for m in path)
    assert path[-1] == path[-2]  # and it stops


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
