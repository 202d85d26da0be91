"""Confidence calibration (docs/concepts/calibration.md): ``confidence`` (the damped multiplier
rule, the calibrated confidence, ``runCalibration``), ``controller`` (the pure damped controller),
``bins`` (the per-bin sums kept current by resolution), ``curves`` (reliability curves and drift),
``audit`` (rebuilding the sums from outcome rows) and ``statistics`` (pure numpy)."""

from hindsight.domain.calibration.bins import add_to_bins
from hindsight.domain.calibration.confidence import (
    Calibrated,
    Policy,
    calibrated_confidence,
    run_calibration,
)
from hindsight.domain.calibration.curves import Adjustment, CurveReport, Drift, read_curves
from hindsight.domain.calibration.statistics import (
    BinStats,
    bh_adjusted,
    two_proportion_z_test,
    wilson_interval,
)

__all__ = [
    "Adjustment",
    "BinStats",
    "Calibrated",
    "CurveReport",
    "Drift",
    "Policy",
    "add_to_bins",
    "bh_adjusted",
    "calibrated_confidence",
    "read_curves",
    "run_calibration",
    "two_proportion_z_test",
    "wilson_interval",
]
