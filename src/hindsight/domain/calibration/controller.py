"""The multiplier's damped controller (docs/concepts/calibration.md), pure: it converges and then
stops.

The stated gap g = (Σp − Σy)/N decides *whether* the agent is off (|g| > threshold); the
target m* = clamp(Σy/Σp, lower, upper) is the multiplier that makes the calibrated gap
(m·Σp − Σy)/N zero. Each run moves a fraction ``damping`` (≤ 1) of the way toward m*, at
most ``max_step``, rounded to 4 decimals; a step below ``min_step`` records nothing. On
unchanged sums every run therefore lands between the previous multiplier and m* (never
past it), and once within 2·min_step/damping of m* runs stop changing anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hindsight.settings import Settings

# HISTOGRAM shrinkage: the raw confidence counts as this many pseudo-observations in its bin,
# so a bin of 10 resolved outcomes moves the answer halfway from raw to the observed rate.
HISTOGRAM_PRIOR_WEIGHT = 10.0
DECIMALS = 4  # a multiplier is stored rounded: a float wobble (1e-16) is never a change


def _setting_default(name: str) -> Any:
    """A knob's default as ``Settings`` declares it: the numbers live in one place."""
    return Settings.model_fields[name].default


@dataclass(frozen=True)
class Policy:
    """The knobs of docs/concepts/calibration.md (from settings) plus the multiplier's bounds
    and the HISTOGRAM prior."""

    min_samples: int = _setting_default("calibration_min_samples")
    threshold: float = _setting_default("calibration_threshold")
    damping: float = _setting_default("calibration_damping")
    max_step: float = _setting_default("calibration_max_step")
    min_step: float = 0.005
    lower: float = 0.5
    upper: float = 1.5
    prior_weight: float = HISTOGRAM_PRIOR_WEIGHT

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            min_samples=settings.calibration_min_samples,
            threshold=settings.calibration_threshold,
            damping=settings.calibration_damping,
            max_step=settings.calibration_max_step,
        )


def stated_gap(sum_p: float, sum_y: float, n: int) -> float | None:
    """g = (Σp − Σy)/N: mean stated confidence minus observed rate (positive = over-confident)."""
    return (sum_p - sum_y) / n if n else None


def calibrated_gap(multiplier: float, sum_p: float, sum_y: float, n: int) -> float | None:
    """(m·Σp − Σy)/N: the gap left once the multiplier is applied (ignoring the clamp at 1)."""
    return (multiplier * sum_p - sum_y) / n if n else None


def target_multiplier(sum_p: float, sum_y: float, n: int, policy: Policy = Policy()) -> float:
    """m* = 1 inside the band |g| ≤ threshold (or below ``min_samples``), else
    clamp(Σy/Σp, lower, upper); Σp = 0 with outcomes beyond the band targets ``upper``."""
    gap = stated_gap(sum_p, sum_y, n)
    if gap is None or n < policy.min_samples or abs(gap) <= policy.threshold:
        return 1.0
    ratio = sum_y / sum_p if sum_p > 0 else policy.upper
    return min(max(ratio, policy.lower), policy.upper)


def next_multiplier(
    multiplier: float, sum_p: float, sum_y: float, n: int, policy: Policy = Policy()
) -> float:
    """round(m + clamp(damping·(m* − m), ±max_step), 4), kept in [lower, upper]; ``m`` itself
    when N < min_samples or |step| < min_step (nothing changes, nothing is recorded)."""
    if n < policy.min_samples:
        return multiplier
    target = target_multiplier(sum_p, sum_y, n, policy)
    step = min(max(policy.damping * (target - multiplier), -policy.max_step), policy.max_step)
    if abs(step) < policy.min_step:
        return multiplier
    return min(max(round(multiplier + step, DECIMALS), policy.lower), policy.upper)
