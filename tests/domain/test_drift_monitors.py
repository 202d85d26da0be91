"""The two drift monitors as pure functions, checked against independent
computations: the e-process with scipy, ADWIN with river driven directly."""

from __future__ import annotations

import json

import numpy as np
import pytest
from river.drift import ADWIN
from scipy.special import expit, logit, logsumexp

from hindsight.domain.drift import evalues, success
from hindsight.domain.enums import DriftDirection

ALPHA, MIN = 0.01, 50


def e_values(q: np.ndarray, y: np.ndarray) -> np.ndarray:
    """E after each resolution, straight from §13's formula (scipy, not the domain code)."""
    thetas = np.array([k / 10 for k in range(-20, 21) if k != 0])
    w = np.exp(-(thetas**2) / (2 * 0.5**2))
    w /= w.sum()
    q_theta = expit(logit(q)[:, None] + thetas[None, :])
    ratio = y[:, None] * np.log(q_theta / q[:, None]) + (1 - y[:, None]) * np.log(
        (1 - q_theta) / (1 - q[:, None])
    )
    return np.exp(logsumexp(np.cumsum(ratio, axis=0), b=w, axis=1))


def stream(seed: int, n: int, shift: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    q = rng.uniform(0.2, 0.9, n)
    y = (rng.random(n) < np.clip(q + shift, 0, 1)).astype(float)
    return q, y


def test_the_grid_and_weights_are_the_fixed_ones() -> None:
    assert len(evalues.THETAS) == 40 and 0.0 not in evalues.THETAS
    assert evalues.THETAS[0] == -2.0 and evalues.THETAS[-1] == 2.0
    assert evalues.WEIGHTS.sum() == pytest.approx(1.0, abs=1e-15)
    assert evalues.calibrated_q(0.9, 1.5) == 0.999 and evalues.calibrated_q(0.0, 1.0) == 0.001


def test_e_values_equal_an_independent_recomputation() -> None:
    q, y = stream(1, 400, shift=-0.1)
    expected = e_values(q, y)
    state = evalues.CalibrationState()
    for i in range(len(q)):  # one at a time, as a job fed one resolution per run would
        state, _ = evalues.feed(state, q[i : i + 1], y[i : i + 1], alpha=1e-300, min_samples=MIN)
        assert state.e_value == pytest.approx(expected[i], rel=1e-9)


def test_batches_do_not_change_the_e_value_and_the_state_survives_json() -> None:
    q, y = stream(2, 900)
    whole, _ = evalues.feed(evalues.CalibrationState(), q, y, alpha=ALPHA, min_samples=MIN)
    state = evalues.CalibrationState()
    for start in range(0, 900, 77):
        state = evalues.CalibrationState.from_json(json.loads(json.dumps(state.to_json())))
        state, _ = evalues.feed(state, q[start : start + 77], y[start : start + 77],
                                alpha=ALPHA, min_samples=MIN)  # fmt: skip
    assert np.array_equal(state.log_l, whole.log_l) and state.n == whole.n == 900


def test_a_calibrated_stream_raises_nothing() -> None:
    q, y = stream(3, 3000)
    _, alarm = evalues.feed(evalues.CalibrationState(), q, y, alpha=ALPHA, min_samples=MIN)
    assert alarm is None


@pytest.mark.parametrize(
    ("shift", "direction"),
    [(-0.2, DriftDirection.OVERCONFIDENT), (0.2, DriftDirection.UNDERCONFIDENT)],
)
def test_a_shifted_stream_alerts_once_at_the_first_crossing(
    shift: float, direction: DriftDirection
) -> None:
    q, y = stream(4, 2000, shift)
    state, alarm = evalues.feed(evalues.CalibrationState(), q, y, alpha=ALPHA, min_samples=MIN)
    assert alarm is not None and alarm.direction == direction
    expected = e_values(q, y)
    crossing = next(i for i in range(len(q)) if i + 1 >= MIN and expected[i] >= 1 / ALPHA)
    assert alarm.index == crossing and alarm.sample_size == crossing + 1 == state.n
    assert alarm.e_value == pytest.approx(expected[crossing], rel=1e-9)
    assert alarm.expected_rate == pytest.approx(q[: crossing + 1].mean(), rel=1e-12)
    assert alarm.observed_rate == pytest.approx(y[: crossing + 1].mean(), rel=1e-12)


def test_no_alert_before_the_minimum_sample_count() -> None:
    q, y = np.full(200, 0.95), np.zeros(200)  # E passes 100 within ten failures
    assert e_values(q, y)[9] >= 100
    _, alarm = evalues.feed(evalues.CalibrationState(), q, y, alpha=ALPHA, min_samples=MIN)
    assert alarm is not None and alarm.sample_size == MIN


def adwin_drop(seed: int) -> list[int]:
    rng = np.random.default_rng(seed)
    return [int(v) for v in np.concatenate([rng.random(800) < 0.6, rng.random(800) < 0.3])]


def test_success_rate_detection_and_windows_come_from_river() -> None:
    ys = adwin_drop(5)
    _, alarm = success.feed(success.SuccessState(), ys, delta=0.002, min_samples=MIN)
    river = ADWIN(delta=0.002)
    for i, y in enumerate(ys):
        width, total = river.width, river.total
        river.update(y)
        if river.drift_detected and i + 1 >= MIN:
            break
    assert alarm is not None and alarm.index == i and alarm.direction == DriftDirection.DOWN
    assert (alarm.after.count, alarm.after.rate) == (river.width, river.estimation)
    assert alarm.before.count == width + 1 - river.width
    assert alarm.before.rate == pytest.approx((total + y - river.total) / alarm.before.count)
    assert alarm.before.count + alarm.after.count == width + 1
    assert alarm.before.rate > alarm.after.rate


def test_a_replayed_state_continues_the_same_detector() -> None:
    ys = adwin_drop(6)
    _, whole = success.feed(success.SuccessState(), ys, delta=0.002, min_samples=MIN)
    state, alarm, seen = success.SuccessState(), None, 0
    for start in range(0, len(ys), 100):
        state = success.SuccessState.from_json(json.loads(json.dumps(state.to_json())))
        state, alarm = success.feed(state, ys[start : start + 100], delta=0.002, min_samples=MIN)
        if alarm is not None:
            seen = start + alarm.index
            break
    assert whole is not None and alarm is not None
    assert (seen, alarm.before, alarm.after) == (whole.index, whole.before, whole.after)


def test_unknown_state_versions_are_refused() -> None:
    with pytest.raises(ValueError, match="version"):
        evalues.CalibrationState.from_json({"v": 99})
    with pytest.raises(ValueError, match="version"):
        success.SuccessState.from_json({"v": 99})
