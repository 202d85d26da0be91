"""The CALIBRATION monitor: a mixture e-process over a logit-shift grid.

A resolved outcome carries q = clamp(p·m, 0.001, 0.999); a calibrated agent has y ~ Bernoulli(q).
For each θ in Θ = {−2.0, −1.9, …, 2.0} \\ {0}, q(θ) = σ(logit q + θ) is the alternative "the
truth is q shifted by θ on the logit scale", and L_θ = Π q(θ)^y (1−q(θ))^(1−y) / q^y (1−q)^(1−y)
is its likelihood ratio. Each L_θ, and so the mixture E = Σ w_θ·L_θ (w_θ ∝ exp(−θ²/(2·0.5²))),
is a nonnegative martingale with mean 1 for a calibrated agent: by Ville's inequality
P(sup E ≥ 1/α) ≤ α over the monitor's whole life. Pure numpy; log L_θ is kept per θ and the
mixture is taken with log-sum-exp, so nothing overflows however long the monitor runs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from hindsight.domain.enums import DriftDirection

Floats = npt.NDArray[np.float64]

THETAS: Floats = np.array([k / 10 for k in range(-20, 21) if k != 0])  # 40 logit shifts
PRIOR_SD = 0.5
_RAW_WEIGHTS = np.exp(-(THETAS**2) / (2 * PRIOR_SD**2))
WEIGHTS: Floats = _RAW_WEIGHTS / _RAW_WEIGHTS.sum()
LOG_WEIGHTS: Floats = np.log(WEIGHTS)
Q_LOW, Q_HIGH = 0.001, 0.999
STATE_VERSION = 1


def calibrated_q(p: float, multiplier: float) -> float:
    """q = clamp(p·m, 0.001, 0.999): what a resolved outcome stores (``calibratedConfidence``)."""
    return min(max(p * multiplier, Q_LOW), Q_HIGH)


def log_ratios(q: Sequence[float] | Floats, y: Sequence[float] | Floats) -> Floats:
    """Per resolution (rows) and θ (columns): y·log(q(θ)/q) + (1−y)·log((1−q(θ))/(1−q))."""
    q = np.asarray(q, dtype=np.float64)[:, None]
    y = np.asarray(y, dtype=np.float64)[:, None]
    z = np.log(q) - np.log1p(-q) + THETAS[None, :]
    log_q_theta = -np.logaddexp(0.0, -z)  # log σ(z)
    log_not_q_theta = -np.logaddexp(0.0, z)  # log (1 − σ(z))
    result: Floats = y * (log_q_theta - np.log(q)) + (1 - y) * (log_not_q_theta - np.log1p(-q))
    return result


def log_mixture(log_l: Floats) -> Floats:
    """log E = log Σ_θ w_θ·L_θ, row by row (log-sum-exp)."""
    terms = np.atleast_2d(log_l) + LOG_WEIGHTS
    top = terms.max(axis=1, keepdims=True)
    result: Floats = (top + np.log(np.exp(terms - top).sum(axis=1, keepdims=True)))[:, 0]
    return result


def direction(log_l: Floats) -> DriftDirection:
    """OVERCONFIDENT when the θ < 0 half (outcomes worse than q) holds most of E."""
    terms = log_l + LOG_WEIGHTS
    below, above = terms[THETAS < 0], terms[THETAS > 0]
    lower = np.logaddexp.reduce(below)
    upper = np.logaddexp.reduce(above)
    return DriftDirection.OVERCONFIDENT if lower > upper else DriftDirection.UNDERCONFIDENT


@dataclass
class CalibrationState:
    """One run of the monitor since its start: log L_θ per θ, sample count, Σq and Σy."""

    log_l: Floats = field(default_factory=lambda: np.zeros(len(THETAS)))
    n: int = 0
    sum_q: float = 0.0
    sum_y: float = 0.0

    @property
    def e_value(self) -> float:
        return float(math.exp(log_mixture(self.log_l)[0]))

    def to_json(self) -> dict[str, object]:
        return {
            "v": STATE_VERSION,
            "n": self.n,
            "sum_q": self.sum_q,
            "sum_y": self.sum_y,
            "log_l": [float(x) for x in self.log_l],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> CalibrationState:
        if not data:
            return cls()
        if data.get("v") != STATE_VERSION:
            raise ValueError(f"unknown calibration monitor state version {data.get('v')!r}")
        log_l = np.array(data["log_l"], dtype=np.float64)
        return cls(log_l, int(data["n"]), float(data["sum_q"]), float(data["sum_y"]))


@dataclass(frozen=True)
class CalibrationAlarm:
    """Where the e-process first reached 1/α (at or after the minimum sample count)."""

    index: int  # position in the fed batch
    sample_size: int
    e_value: float
    threshold: float
    expected_rate: float  # mean q since the start
    observed_rate: float  # mean y since the start
    direction: DriftDirection


def feed(
    state: CalibrationState,
    q: Sequence[float] | Floats,
    y: Sequence[float] | Floats,
    *,
    alpha: float,
    min_samples: int,
) -> tuple[CalibrationState, CalibrationAlarm | None]:
    """Add resolutions in order; stop at the first one where E ≥ 1/α with at least
    ``min_samples`` since the start (the state then ends there, the rest is not counted)."""
    q, y = np.asarray(q, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if len(q) == 0:
        return state, None
    # cumulative sums starting from the stored values add in the same order as one at a
    # time, so the e-values do not depend on how resolutions were batched
    log_l = np.cumsum(np.vstack([state.log_l, log_ratios(q, y)]), axis=0)[1:]
    sum_q = np.cumsum(np.concatenate([[state.sum_q], q]))[1:]
    sum_y = np.cumsum(np.concatenate([[state.sum_y], y]))[1:]
    counts = state.n + np.arange(1, len(q) + 1)
    log_e = log_mixture(log_l)
    fired = np.flatnonzero((counts >= min_samples) & (log_e >= -math.log(alpha)))
    end = int(fired[0]) if len(fired) else len(q) - 1
    after = CalibrationState(log_l[end], int(counts[end]), float(sum_q[end]), float(sum_y[end]))
    if not len(fired):
        return after, None
    alarm = CalibrationAlarm(
        index=end,
        sample_size=after.n,
        e_value=float(math.exp(log_e[end])),
        threshold=1 / alpha,
        expected_rate=after.sum_q / after.n,
        observed_rate=after.sum_y / after.n,
        direction=direction(after.log_l),
    )
    return after, alarm
