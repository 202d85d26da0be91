"""Calibration types (docs/concepts/calibration.md): curves and the agent's calibrated confidence,
each mapped from its domain report by ``from_domain``. Their root fields: ``api/calibration.py``."""

from __future__ import annotations

import datetime as dt

import strawberry

from hindsight.domain.calibration import confidence as domain
from hindsight.domain.calibration.curves import Adjustment, CurveReport, Drift
from hindsight.domain.calibration.statistics import BinStats
from hindsight.schema import enums, formulas
from hindsight.schema.deprecations import going
from hindsight.schema.node import Node, global_id


@strawberry.type(description="One of ten uniform bins; the statistics are null when it is empty.")
class CalibrationBin:
    index: int = strawberry.field(
        description="0..9; bin i holds confidences in (i/10, (i+1)/10], bin 0 also 0."
    )
    lower: float = strawberry.field(description="The bin's lower edge.")
    upper: float = strawberry.field(description="The bin's upper edge.")
    count: int = strawberry.field(description="Resolved (POSITIVE + NEGATIVE) outcomes in the bin.")
    mean_predicted: float | None = strawberry.field(
        description="Their mean stated confidence; null when empty."
    )
    observed_rate: float | None = strawberry.field(
        description="Their POSITIVE share; null when empty."
    )
    gap: float | None = strawberry.field(description="meanPredicted - observedRate.")
    wilson_low: float | None = strawberry.field(
        description="Lower end of the observed rate's Wilson 95% interval; null when empty."
    )
    wilson_high: float | None = strawberry.field(
        description="Upper end of the observed rate's Wilson 95% interval; null when empty."
    )

    @classmethod
    def from_domain(cls, b: BinStats) -> CalibrationBin:
        return cls(**vars(b))


@strawberry.type(
    description="One multiplier change by the converging controller (see CalibrationCurve)."
)
class CalibrationAdjustment:
    at: dt.datetime = strawberry.field(description="When (UTC).")
    old_multiplier: float = strawberry.field(description="The multiplier before.")
    new_multiplier: float = strawberry.field(description="The multiplier after.")
    gap: float = strawberry.field(
        description="The stated gap (Σp − Σy)/N over the resolved outcomes the run saw."
    )
    brier_score: float = strawberry.field(description="The Brier score at the time.")
    sample_count: int = strawberry.field(description="N: resolved (POSITIVE + NEGATIVE) outcomes.")
    calibrated_gap: float | None = strawberry.field(
        description="(newMultiplier·Σp − Σy)/N: the gap left after this change "
        "(null for changes recorded before it was kept)."
    )

    @classmethod
    def from_domain(cls, a: Adjustment) -> CalibrationAdjustment:
        return cls(**vars(a))


@strawberry.type(description="A stored bin sum that disagreed with a rebuild from outcome rows.")
class CalibrationDrift:
    bin: int = strawberry.field(
        description="The bin (0..9).",
        deprecation_reason=going("Use index, as CalibrationBin names it."),
    )

    @strawberry.field(description="The bin (0..9), as CalibrationBin.index.")
    def index(self) -> int:
        return self.bin

    field: str = strawberry.field(
        description="The stored sum (count, sum_p, sum_p2, sum_y, sum_py)."
    )
    stored: float = strawberry.field(description="What was stored.")
    recomputed: float = strawberry.field(description="What the outcome rows give (now stored).")

    @classmethod
    def from_domain(cls, d: Drift) -> CalibrationDrift:
        return cls(**vars(d))


CURVE_DESCRIPTION = """Reliability of one action type's confidence over 10 uniform bins.

Bins as scikit-learn's calibration_curve: bin = searchsorted([0.1, …, 0.9], p), right-closed
(0.1 falls in bin 0). Over resolved (POSITIVE = 1, NEGATIVE = 0) outcomes, N = Σ count:
Σp = Σ count·meanPredicted, Σy = Σ count·observedRate; brierScore = Σ(p − y)²/N;
ece = Σ (count/N)·|gap|; mce = max |gap| over non-empty bins; Wilson 95% (z = 1.959963984540054).
The multiplier is a damped controller that settles (settings, defaults in brackets): with
N ≥ calibration_min_samples [30] and stated gap g = weightedGap = (Σp − Σy)/N, the target is
m* = 1 if |g| ≤ calibration_threshold [0.15], else clamp(Σy/Σp, 0.5, 1.5); each run (runCalibration
or the scheduled check) takes step = clamp(calibration_damping [0.5]·(m* − m), ±calibration_max_step
[0.10]) and sets m = round(m + step, 4), unless |step| < 0.005 (then nothing changes and nothing is
recorded). On unchanged data repeated runs converge on m* and then stop."""


@strawberry.type(description=CURVE_DESCRIPTION)
class CalibrationCurve(Node):
    action_type: str = strawberry.field(description="The action type.")
    bins: list[CalibrationBin] = strawberry.field(description="Always 10, empty ones included.")
    sample_count: int = strawberry.field(description="N: resolved (POSITIVE + NEGATIVE) outcomes.")
    brier_score: float | None = strawberry.field(description="Σ(p − y)²/N; null without data.")
    ece: float | None = strawberry.field(
        description="Σ (count/N)·|gap| over the bins; null without data."
    )
    mce: float | None = strawberry.field(
        description="max |gap| over non-empty bins; null without data."
    )
    weighted_gap: float | None = strawberry.field(
        description="The stated gap (Σp − Σy)/N = Σ n_b(meanPredicted − observedRate)/N; "
        "positive = over-confident; null when N = 0."
    )
    calibrated_gap: float | None = strawberry.field(
        description="(multiplier·Σp − Σy)/N: the gap left once the multiplier is applied; "
        "null when N = 0."
    )
    multiplier: float = strawberry.field(
        description="The current confidence multiplier (1 until adjusted)."
    )
    adjustments: list[CalibrationAdjustment] = strawberry.field(
        description="Multiplier changes, newest first (the latest 100)."
    )
    updated_at: dt.datetime | None = strawberry.field(
        description="When the sums last changed (UTC); null without data."
    )
    drift: list[CalibrationDrift] | None = strawberry.field(
        description="runCalibration only: sums its audit found and repaired (null elsewhere)."
    )

    @classmethod
    def from_domain(cls, r: CurveReport) -> CalibrationCurve:
        c = r.curve
        return cls(
            id=global_id("CalibrationCurve", r.action_type),
            action_type=r.action_type,
            bins=[CalibrationBin.from_domain(b) for b in c.bins],
            sample_count=c.sample_count,
            brier_score=c.brier,
            ece=c.ece,
            mce=c.mce,
            weighted_gap=c.weighted_gap,
            calibrated_gap=r.calibrated_gap,
            multiplier=r.multiplier,
            adjustments=[CalibrationAdjustment.from_domain(a) for a in r.adjustments],
            updated_at=r.updated_at,
            drift=None if r.drift is None else [CalibrationDrift.from_domain(d) for d in r.drift],
        )


@strawberry.type(description=formulas.HISTOGRAM)
class CalibratedConfidence:
    action_type: str = strawberry.field(description="The action type asked about.")
    raw_confidence: float = strawberry.field(description="The confidence given.")
    confidence: float = strawberry.field(description="The calibrated confidence, 0..1.")
    method: enums.CalibrationMethod = strawberry.field(description="The method used.")
    multiplier: float = strawberry.field(description="The action type's current multiplier.")
    observed_rate: float | None = strawberry.field(description="Of the bin confidence falls in.")
    wilson_low: float | None = strawberry.field(
        description="Lower end of that bin's Wilson 95% interval; null when empty."
    )
    wilson_high: float | None = strawberry.field(
        description="Upper end of that bin's Wilson 95% interval; null when empty."
    )
    sample_count: int = strawberry.field(description="Resolved (POSITIVE + NEGATIVE) outcomes.")
    sufficient_data: bool = strawberry.field(
        description="sampleCount ≥ calibration_min_samples (default 30)."
    )

    @classmethod
    def from_domain(cls, c: domain.Calibrated) -> CalibratedConfidence:
        return cls(**vars(c))
